#include "dav115/webdav/proppatch_response.hpp"

#include <algorithm>
#include <map>

#include "dav115/webdav/xml_text.hpp"
#include "multistatus_parts.hpp"

namespace dav115::webdav {
namespace {

std::string proppatch_status_line(int status) {
  const char* reason = "";
  switch (status) {
    case 200: reason = "OK"; break;
    case 403: reason = "Forbidden"; break;
    case 409: reason = "Conflict"; break;
    case 424: reason = "Failed Dependency"; break;
    case 500: reason = "Internal Server Error"; break;
    case 507: reason = "Insufficient Storage"; break;
    default: break;
  }
  std::string line = "HTTP/1.1 " + std::to_string(status);
  if (*reason != '\0') line += std::string(" ") + reason;
  return line;
}

}  // namespace

std::vector<PropertyStatus> proppatch_statuses(const PropPatchRequest& request,
                                               const std::optional<PropPatchFailure>& failure) {
  const bool refused = request.refused();
  bool failure_named = false;
  if (!refused && failure)
    for (const PropPatchItem& i : request.items)
      failure_named = failure_named || (i.ns == failure->ns && i.local == failure->local);

  std::vector<PropertyStatus> out;
  for (const PropPatchItem& i : request.items) {
    int status = 200;
    if (refused)
      status = i.refusal != 0 ? i.refusal : 424;
    else if (failure)
      status = !failure_named || (i.ns == failure->ns && i.local == failure->local) ? failure->status : 424;
    auto same = std::find_if(out.begin(), out.end(),
                             [&](const PropertyStatus& s) { return s.ns == i.ns && s.local == i.local; });
    if (same == out.end())
      out.push_back({i.ns, i.local, status});
    else if (same->status == 424 || same->status == 200)
      same->status = status;  // a property named twice reports its own failure, not the dependency
  }
  return out;
}

std::string render_proppatch_response(std::string_view href, const std::vector<PropertyStatus>& statuses) {
  multistatus_parts::ForeignNamespaces namespaces;
  std::map<int, std::string> by_status;  // status -> its empty elements, in ascending status order
  for (const PropertyStatus& s : statuses)
    by_status[s.status] += multistatus_parts::empty_element(PropertyName{s.ns, s.local}, namespaces);

  std::string out(multistatus_parts::kRootStart);
  out += namespaces.declarations();
  out += "><D:response><D:href>";
  append_xml_text(out, href);
  out += "</D:href>";
  for (const auto& [status, props] : by_status)
    multistatus_parts::append_propstat(
        out, props, proppatch_status_line(status),
        status == 403 ? "<D:error><D:cannot-modify-protected-property/></D:error>" : std::string_view());
  out += "</D:response></D:multistatus>";
  return out;
}

}  // namespace dav115::webdav

#pragma once
// The 207 Multi-Status answer to a PROPPATCH (RFC 4918 §9.2): one D:response for the resource, one
// D:propstat per status, each listing its properties as empty elements.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dav115/webdav/proppatch_request.hpp"

namespace dav115::webdav {

struct PropertyStatus {
  std::string ns;
  std::string local;
  int status = 200;  // 200, 403, 409, 424, 507, ...
  bool operator==(const PropertyStatus&) const = default;
};

// A property the store could not take (PropertyLimitExceeded: 507 Insufficient Storage).
struct PropPatchFailure {
  std::string ns;
  std::string local;
  int status = 507;
};

// Each property the request names, once, in the order of first mention:
// - when the request is refused(): each refused property gets its refusal (403, 409), the others 424;
// - else when `failure` is given: its property gets failure->status, the others 424 (if it names no
//   property of the request, every property gets failure->status);
// - else 200 for all.
std::vector<PropertyStatus> proppatch_statuses(const PropPatchRequest& request,
                                               const std::optional<PropPatchFailure>& failure = std::nullopt);

// The whole body. `href` is already percent-encoded (it is XML-escaped here). 403 propstats carry
// <D:error><D:cannot-modify-protected-property/></D:error>. Propstats come in ascending status order.
std::string render_proppatch_response(std::string_view href, const std::vector<PropertyStatus>& statuses);

}  // namespace dav115::webdav

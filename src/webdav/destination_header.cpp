#include "dav115/webdav/destination_header.hpp"

#include "dav115/util/http_types.hpp"

namespace dav115::webdav {

DestinationResult parse_destination(std::optional<std::string_view> value, std::optional<std::string_view> host,
                                    std::string_view mount_path) {
  DestinationResult out;
  if (!value || value->empty()) return {400, "COPY and MOVE need a Destination header", {}};
  std::string_view v = *value;
  std::size_t scheme_end = v.find("://");
  if (scheme_end != std::string_view::npos) {
    std::string_view scheme = v.substr(0, scheme_end);
    if (!util::iequals(scheme, "http") && !util::iequals(scheme, "https"))
      return {400, "Destination must be an http(s) URI or an absolute path", {}};
    std::string_view rest = v.substr(scheme_end + 3);
    std::string_view authority = rest.substr(0, rest.find('/'));
    if (auto at = authority.rfind('@'); at != std::string_view::npos) authority = authority.substr(at + 1);
    if (host && !host->empty() && !util::iequals(authority, *host))
      return {502, "Destination names another server", {}};
  } else if (v.front() != '/') {
    return {400, "Destination must be an http(s) URI or an absolute path", {}};
  }
  serve::PathDecodeResult decoded = serve::decode_request_path(v, mount_path);
  if (decoded.status == 404) return {502, "Destination lies outside this gateway's mount path", {}};
  if (!decoded.ok()) return {decoded.status, "Destination: " + decoded.reason, {}};
  out.path = std::move(decoded.path);
  return out;
}

std::optional<bool> parse_overwrite(std::optional<std::string_view> value) {
  if (!value) return true;
  if (*value == "T" || *value == "t") return true;
  if (*value == "F" || *value == "f") return false;
  return std::nullopt;
}

}  // namespace dav115::webdav

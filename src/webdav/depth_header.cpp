#include "dav115/webdav/depth_header.hpp"

#include "dav115/util/http_types.hpp"

namespace dav115::webdav {

std::optional<Depth> parse_depth(std::optional<std::string_view> header) {
  if (!header) return Depth::Infinity;
  std::string_view v = *header;
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  if (v == "0") return Depth::Zero;
  if (v == "1") return Depth::One;
  if (util::iequals(v, "infinity")) return Depth::Infinity;
  return std::nullopt;
}

}  // namespace dav115::webdav

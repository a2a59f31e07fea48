#pragma once
// The PROPFIND Depth header (RFC 4918 §10.2).
#include <optional>
#include <string_view>

namespace dav115::webdav {

enum class Depth { Zero, One, Infinity };

// A missing header means infinity (RFC 4918 §9.1); nullopt for any value other than 0, 1, infinity.
std::optional<Depth> parse_depth(std::optional<std::string_view> header);

}  // namespace dav115::webdav

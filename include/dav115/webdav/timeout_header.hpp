#pragma once
// The Timeout request header of LOCK (RFC 4918 §10.7): "Second-N" or "Infinite", possibly a list of
// them in order of preference. The lock manager clamps what is asked to its own bounds.
#include <chrono>
#include <optional>
#include <string_view>

namespace dav115::webdav {

// The first value understood: "Infinite" as std::chrono::seconds::max(), "Second-N" as N seconds
// (an N too large to represent also reads as max). nullopt when the header is missing or has no
// value we understand: the client expressed no preference (a malformed Timeout is not worth a 400).
std::optional<std::chrono::seconds> parse_timeout(std::optional<std::string_view> header);

}  // namespace dav115::webdav

#pragma once
// Date formats of WebDAV/HTTP: IMF-fixdate for getlastmodified / Last-Modified, RFC 3339 for
// creationdate. Shared with delivery (Last-Modified, If-Modified-Since, If-Range).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace dav115::util {

// "Wed, 25 Nov 2026 18:46:43 GMT" (RFC 9110 IMF-fixdate, always GMT).
std::string format_http_date(std::int64_t unix_seconds);
// Appends the same text to `out` without a temporary (PROPFIND renders thousands of these).
void append_http_date(std::string& out, std::int64_t unix_seconds);

// "2026-11-25T18:46:43Z" (RFC 3339 date-time, whole seconds, UTC).
std::string format_rfc3339(std::int64_t unix_seconds);
void append_rfc3339(std::string& out, std::int64_t unix_seconds);

// Parses the three HTTP date forms recipients must accept (RFC 9110 §5.6.7): IMF-fixdate,
// RFC 850 ("Wednesday, 25-Nov-26 18:46:43 GMT") and asctime ("Wed Nov 25 18:46:43 2026").
// nullopt for anything else.
std::optional<std::int64_t> parse_http_date(std::string_view text);

}  // namespace dav115::util

#pragma once
// The status line and header block of a response, written by hand into a reused buffer: a small
// response then goes out as one write of (head, body), without Beast's field container and serializer
// (a measurable share of a 302's cost). Private to src/http/.
#include <cstdint>
#include <optional>
#include <string>

#include "dav115/util/http_types.hpp"

namespace dav115::http::detail {

struct HeadFraming {
  std::optional<std::uint64_t> content_length;  // nullopt = none sent (204, 304, 1xx)
  bool keep_alive = true;
  unsigned request_version = 11;  // 10 = HTTP/1.0, which keeps the connection only when told so
};

// Appends "HTTP/1.1 <status> <reason>\r\n", the response's headers except the framing ones this layer
// owns (Content-Length, Transfer-Encoding, Connection, Keep-Alive), Date and Server unless the response
// has them, the framing, and the blank line. CR and LF inside a name or value become spaces: a value
// taken from upstream (a CDN link) can never split the response.
void append_response_head(std::string& out, const util::HttpResponse& res, const HeadFraming& framing);

// The response's Content-Length header as a number, if it has a valid one.
std::optional<std::uint64_t> declared_length(const util::HttpResponse& res);

// Headers the session owns: the handler's values would contradict the framing sent.
bool framing_header(std::string_view name);

// The Server header's value.
inline constexpr const char* kServerName = "dav115/0.1";

}  // namespace dav115::http::detail

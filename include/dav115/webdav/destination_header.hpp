#pragma once
// COPY/MOVE headers: Destination (RFC 4918 §10.3) through the one path decoder, and Overwrite (§10.6).
#include <optional>
#include <string>
#include <string_view>

#include "dav115/serve/request_path.hpp"

namespace dav115::webdav {

struct DestinationResult {
  unsigned status = 0;  // 0 ok; 400 malformed; 502 another server, or outside this gateway's mount
  std::string reason;
  serve::RequestPath path;
  bool ok() const { return status == 0; }
};

// `value` is an absolute URI or an absolute path; an absolute URI must name this server (`host`, the
// request's Host header) or the answer is 502, as RFC 4918 §9.8.5 says for another server.
DestinationResult parse_destination(std::optional<std::string_view> value, std::optional<std::string_view> host,
                                    std::string_view mount_path);

// Overwrite: "T" (the default when absent) or "F"; nullopt for anything else (400).
std::optional<bool> parse_overwrite(std::optional<std::string_view> value);

}  // namespace dav115::webdav

#pragma once
// Decisions about a request that only need its head: which body limit applies, which framing and
// encodings we refuse, and what a parser failure means as a status. No Beast types here.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "dav115/config/config.hpp"

namespace dav115::http::detail {

// WebDAV methods get limits.max_propfind_body_bytes, PUT upload.max_file_bytes (0 = no limit),
// everything else (GET, HEAD, OPTIONS, POST) limits.max_other_body_bytes.
std::uint64_t body_limit_for(std::string_view method, const config::Config& cfg);

// Methods whose body is handed to the handler as a stream (HttpRequest::body_reader), never buffered.
bool streams_body(std::string_view method);

struct RequestHead {
  std::string_view method;
  std::string_view transfer_encoding;  // "" when absent
  std::string_view content_encoding;   // "" when absent
  std::optional<std::uint64_t> content_length;
};

// The error status to answer before reading the body (413, 415, 501), or nullopt to go on.
std::optional<unsigned> reject_before_body(const RequestHead& head, const config::Config& cfg);

// The header block overflowed max_header_bytes: was it the request line alone (414) or the
// fields (431)? `request_line_parsed` tells whether the parser got past the request line.
unsigned status_for_oversized_head(bool request_line_parsed);

// "/a/b?sign=x" -> "/a/b?…": query strings carry signatures and tokens, so none reach the log.
// Control characters and quotes are replaced so a line cannot be forged.
std::string redact_target(std::string_view target);
std::string sanitize_for_log(std::string_view text, std::size_t max_len = 512);

// The path part of a target (before '?').
std::string_view target_path(std::string_view target);

}  // namespace dav115::http::detail

#include "request_checks.hpp"

#include <string>

#include "dav115/util/http_types.hpp"

namespace dav115::http::detail {

std::uint64_t body_limit_for(std::string_view method, const config::Config& cfg) {
  // The other WebDAV methods take no body (or a small XML one): a stray body is read (within the XML
  // limit) so that the handler's own answer comes first (MKCOL 415, a bad Destination 400).
  if (method == "PROPFIND" || method == "PROPPATCH" || method == "LOCK" || method == "MKCOL" || method == "COPY" ||
      method == "MOVE" || method == "DELETE" || method == "UNLOCK")
    return cfg.limits.max_propfind_body_bytes;
  if (method == "PUT") return cfg.upload.max_file_bytes ? cfg.upload.max_file_bytes : UINT64_MAX;
  return cfg.limits.max_other_body_bytes;
}

bool streams_body(std::string_view method) { return method == "PUT"; }

std::optional<unsigned> reject_before_body(const RequestHead& head, const config::Config& cfg) {
  // Only chunked framing is understood; anything else would be read as garbage.
  if (!head.transfer_encoding.empty() && !util::iequals(head.transfer_encoding, "chunked")) return 501;
  // We never decode compressed request bodies.
  if (!head.content_encoding.empty() && !util::iequals(head.content_encoding, "identity")) return 415;
  if (head.content_length && *head.content_length > body_limit_for(head.method, cfg)) return 413;
  return std::nullopt;
}

unsigned status_for_oversized_head(bool request_line_parsed) { return request_line_parsed ? 431 : 414; }

std::string sanitize_for_log(std::string_view text, std::size_t max_len) {
  std::string out;
  out.reserve(std::min(text.size(), max_len));
  for (char c : text.substr(0, max_len)) {
    auto u = static_cast<unsigned char>(c);
    out += (u < 0x20 || u == 0x7f || c == '"' || c == '\\') ? '?' : c;
  }
  if (text.size() > max_len) out += "...";
  return out;
}

std::string redact_target(std::string_view target) {
  auto q = target.find('?');
  if (q == std::string_view::npos) return sanitize_for_log(target);
  return sanitize_for_log(target.substr(0, q)) + "?<redacted>";
}

std::string_view target_path(std::string_view target) {
  return target.substr(0, target.find('?'));
}

}  // namespace dav115::http::detail

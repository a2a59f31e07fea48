#pragma once
// Small text helpers shared by the protocol layers: number formatting without streams or locale,
// and trimming of HTTP optional whitespace.
#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>

namespace dav115::util {

inline void append_decimal(std::string& out, std::uint64_t v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, end);
}

inline void append_hex(std::string& out, std::uint64_t v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v, 16);
  out.append(buf, end);
}

// RFC 9110 OWS: spaces and horizontal tabs.
inline bool is_ows(char c) { return c == ' ' || c == '\t'; }

inline std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && is_ows(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_ows(s.back())) s.remove_suffix(1);
  return s;
}

}  // namespace dav115::util

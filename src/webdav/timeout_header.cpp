#include "dav115/webdav/timeout_header.hpp"

#include <algorithm>
#include <cstdint>

#include "dav115/util/http_types.hpp"

namespace dav115::webdav {
namespace {

std::string_view trim(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  return v;
}

std::optional<std::chrono::seconds> one_value(std::string_view v) {
  if (util::iequals(v, "Infinite")) return std::chrono::seconds::max();
  constexpr std::string_view prefix = "Second-";
  if (v.size() <= prefix.size() || !util::iequals(v.substr(0, prefix.size()), prefix)) return std::nullopt;
  std::string_view digits = v.substr(prefix.size());
  if (!std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) return std::nullopt;
  // RFC 4918 allows up to 2^32-1; anything with more digits than that is "forever" to us too.
  if (digits.size() > 10) return std::chrono::seconds::max();
  std::uint64_t n = 0;
  for (char c : digits) n = n * 10 + static_cast<std::uint64_t>(c - '0');
  return std::chrono::seconds(static_cast<std::chrono::seconds::rep>(n));
}

}  // namespace

std::optional<std::chrono::seconds> parse_timeout(std::optional<std::string_view> header) {
  if (!header) return std::nullopt;
  std::string_view rest = *header;
  while (!rest.empty()) {
    std::size_t comma = rest.find(',');
    std::string_view item = trim(rest.substr(0, comma));
    if (auto t = one_value(item)) return t;
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return std::nullopt;
}

}  // namespace dav115::webdav

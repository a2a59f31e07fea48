#include "dav115/delivery/range_header.hpp"

#include <limits>
#include <vector>

#include "dav115/util/text.hpp"

namespace dav115::delivery {
namespace {

constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();

using util::is_ows;
using util::trim_ows;

// Decimal digits only; saturates at kMax so a 30-digit position means "very far", not an error.
bool parse_digits(std::string_view s, std::uint64_t& out) {
  if (s.empty()) return false;
  std::uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    unsigned d = static_cast<unsigned>(c - '0');
    v = (v > (kMax - d) / 10) ? kMax : v * 10 + d;
  }
  out = v;
  return true;
}

bool iequals_ascii(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

}  // namespace

RangeRequest parse_range(std::string_view header, std::uint64_t size) {
  RangeRequest none;
  header = trim_ows(header);
  auto eq = header.find('=');
  if (eq == std::string_view::npos || !iequals_ascii(trim_ows(header.substr(0, eq)), "bytes")) return none;
  std::string_view specs = header.substr(eq + 1);

  std::vector<ByteRange> satisfiable;
  bool any_spec = false;
  while (true) {
    auto comma = specs.find(',');
    std::string_view spec = trim_ows(specs.substr(0, comma));
    if (!spec.empty()) {  // RFC 9110 §5.6.1: empty list elements are allowed and ignored
      any_spec = true;
      auto dash = spec.find('-');
      if (dash == std::string_view::npos) return none;
      std::string_view a = spec.substr(0, dash), b = spec.substr(dash + 1);
      if (a.empty()) {  // suffix-range "-N": the last N bytes
        std::uint64_t n = 0;
        if (!parse_digits(b, n)) return none;
        if (n > 0 && size > 0) satisfiable.push_back({n >= size ? 0 : size - n, size - 1});
      } else {
        std::uint64_t first = 0, last = kMax;
        if (!parse_digits(a, first)) return none;
        if (!b.empty() && !parse_digits(b, last)) return none;
        if (last < first) return none;  // invalid range-spec: the whole header is ignored
        if (first < size) satisfiable.push_back({first, last >= size ? size - 1 : last});
      }
    }
    if (comma == std::string_view::npos) break;
    specs.remove_prefix(comma + 1);
  }
  if (!any_spec) return none;

  RangeRequest r;
  if (satisfiable.empty()) r.kind = RangeRequest::Kind::Unsatisfiable;
  else if (satisfiable.size() == 1) {
    r.kind = RangeRequest::Kind::Single;
    r.range = satisfiable.front();
  } else {
    r.kind = RangeRequest::Kind::Multiple;
  }
  return r;
}

std::string content_range(const ByteRange& r, std::uint64_t size) {
  return "bytes " + std::to_string(r.first) + "-" + std::to_string(r.last) + "/" + std::to_string(size);
}

std::string unsatisfied_content_range(std::uint64_t size) { return "bytes */" + std::to_string(size); }

}  // namespace dav115::delivery

#pragma once
// Parsing of the Range request header (RFC 9110 §14.2) against a known representation size.
// Pure and allocation-light so it can be fuzzed on its own.
#include <cstdint>
#include <string>
#include <string_view>

namespace dav115::delivery {

struct ByteRange {
  std::uint64_t first = 0;
  std::uint64_t last = 0;  // inclusive
  std::uint64_t length() const { return last - first + 1; }
  bool operator==(const ByteRange&) const = default;
};

struct RangeRequest {
  enum class Kind {
    None,           // no header, another unit, or malformed: answer 200 with the whole body
    Single,         // exactly one satisfiable range: 206 with `range`
    Multiple,       // several satisfiable ranges: we answer 200 with the whole body (no multipart)
    Unsatisfiable,  // syntactically valid but nothing overlaps the body: 416 with "bytes */size"
  };
  Kind kind = Kind::None;
  ByteRange range;  // meaningful for Single only
};

// `header` is the Range field value ("bytes=0-499"); `size` is the full representation length.
RangeRequest parse_range(std::string_view header, std::uint64_t size);

// "bytes 0-499/1234" for a 206.
std::string content_range(const ByteRange& r, std::uint64_t size);
// "bytes */1234" for a 416.
std::string unsatisfied_content_range(std::uint64_t size);

}  // namespace dav115::delivery

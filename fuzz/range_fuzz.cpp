// Range headers (client-controlled) against a representation size taken from the input: a Single
// answer always lies inside the body, and the Content-Range text agrees with it.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "dav115/delivery/range_header.hpp"
#include "fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace dav115::delivery;
  // First 8 bytes: the size (small sizes are the interesting ones, so the top bits are often masked).
  std::uint64_t body_size = 0;
  if (size >= 8) {
    std::memcpy(&body_size, data, 8);
    if (body_size & 1) body_size >>= 40;
    data += 8;
    size -= 8;
  }
  std::string_view header(reinterpret_cast<const char*>(data), size);
  auto r = parse_range(header, body_size);
  if (r.kind == RangeRequest::Kind::Single) {
    FUZZ_CHECK(r.range.first <= r.range.last);
    FUZZ_CHECK(r.range.last < body_size);
    FUZZ_CHECK(r.range.length() <= body_size);
    auto text = content_range(r.range, body_size);
    FUZZ_CHECK(text == "bytes " + std::to_string(r.range.first) + "-" + std::to_string(r.range.last) + "/" +
                           std::to_string(body_size));
  }
  if (r.kind == RangeRequest::Kind::Unsatisfiable)
    FUZZ_CHECK(unsatisfied_content_range(body_size) == "bytes */" + std::to_string(body_size));
  return 0;
}

#include <catch2/catch.hpp>

#include "dav115/delivery/range_header.hpp"

using namespace dav115::delivery;
using Kind = RangeRequest::Kind;

TEST_CASE("Range: single satisfiable forms") {
  auto r = parse_range("bytes=0-0", 100);
  REQUIRE(r.kind == Kind::Single);
  CHECK(r.range == ByteRange{0, 0});

  r = parse_range("bytes=10-19", 100);
  REQUIRE(r.kind == Kind::Single);
  CHECK(r.range == ByteRange{10, 19});
  CHECK(r.range.length() == 10);

  r = parse_range("bytes=90-", 100);  // open-ended
  REQUIRE(r.kind == Kind::Single);
  CHECK(r.range == ByteRange{90, 99});

  r = parse_range("bytes=-10", 100);  // suffix
  REQUIRE(r.kind == Kind::Single);
  CHECK(r.range == ByteRange{90, 99});

  r = parse_range("bytes=-500", 100);  // suffix longer than the body = whole body
  REQUIRE(r.kind == Kind::Single);
  CHECK(r.range == ByteRange{0, 99});

  r = parse_range("bytes=50-5000", 100);  // last clamped
  REQUIRE(r.kind == Kind::Single);
  CHECK(r.range == ByteRange{50, 99});

  r = parse_range("BYTES = 1-2", 100);  // unit is case-insensitive, OWS tolerated
  REQUIRE(r.kind == Kind::Single);
  CHECK(r.range == ByteRange{1, 2});

  r = parse_range("bytes=0-99999999999999999999999999", 100);  // saturating, not malformed
  REQUIRE(r.kind == Kind::Single);
  CHECK(r.range == ByteRange{0, 99});
}

TEST_CASE("Range: past the end is unsatisfiable") {
  CHECK(parse_range("bytes=100-", 100).kind == Kind::Unsatisfiable);
  CHECK(parse_range("bytes=100-200", 100).kind == Kind::Unsatisfiable);
  CHECK(parse_range("bytes=-0", 100).kind == Kind::Unsatisfiable);
  CHECK(parse_range("bytes=0-", 0).kind == Kind::Unsatisfiable);
  CHECK(parse_range("bytes=99999999999999999999999-", 100).kind == Kind::Unsatisfiable);
}

TEST_CASE("Range: malformed headers are ignored (whole body)") {
  for (const char* h : {"", "bytes", "bytes=", "bytes=abc", "bytes=5-4", "bytes=1-2-3", "items=0-1",
                        "bytes=-", "bytes=0x1-2", "bytes=1 -2x", "bytes=,,", "bytes=0-1,junk"}) {
    INFO(h);
    CHECK(parse_range(h, 100).kind == Kind::None);
  }
}

TEST_CASE("Range: multiple ranges") {
  CHECK(parse_range("bytes=0-1,5-6", 100).kind == Kind::Multiple);
  CHECK(parse_range("bytes=0-1, -5", 100).kind == Kind::Multiple);
  // Only one of them overlaps the body: served as that single range.
  auto r = parse_range("bytes=0-1,500-600", 100);
  REQUIRE(r.kind == Kind::Single);
  CHECK(r.range == ByteRange{0, 1});
  CHECK(parse_range("bytes=200-300,500-600", 100).kind == Kind::Unsatisfiable);
  // Empty list elements are legal.
  r = parse_range("bytes=, 3-4 ,", 100);
  REQUIRE(r.kind == Kind::Single);
  CHECK(r.range == ByteRange{3, 4});
}

TEST_CASE("Content-Range values") {
  CHECK(content_range({0, 499}, 1234) == "bytes 0-499/1234");
  CHECK(unsatisfied_content_range(1234) == "bytes */1234");
}

// QR codes for the login: libqrencode's matrix, drawn with half blocks and as SVG.
#include <catch2/catch.hpp>

#include "dav115/app/qr_code.hpp"

using namespace dav115::app;

namespace {
std::size_t qr_count_of(const std::string& s, const std::string& what) {
  std::size_t n = 0;
  for (auto at = s.find(what); at != std::string::npos; at = s.find(what, at + what.size())) ++n;
  return n;
}
}  // namespace

TEST_CASE("qr: a short text is a version-1 symbol with its three finder patterns") {
  QrMatrix m = encode_qr("hello");
  REQUIRE(m.width == 21);
  // Each finder pattern: a dark 7x7 ring around a light ring around a dark 3x3 core.
  for (auto [ox, oy] : {std::pair{0, 0}, std::pair{14, 0}, std::pair{0, 14}}) {
    CHECK(m.at(ox, oy));
    CHECK(m.at(ox + 6, oy + 6));
    CHECK_FALSE(m.at(ox + 1, oy + 1));
    CHECK(m.at(ox + 3, oy + 3));
  }
  CHECK_FALSE(m.at(-1, 0));  // the quiet zone is light
  CHECK(encode_qr("https://115.com/scan/dg-0123456789abcdef0123456789abcdef").width > 21);
}

TEST_CASE("qr: half blocks draw two module rows per line inside a light border") {
  QrMatrix m = encode_qr("hello");
  const std::string text = qr_half_blocks(m, false);
  const int side = m.width + 4;                  // 2-module border on each side
  CHECK(qr_count_of(text, "\n") == std::size_t((side + 1) / 2));
  const std::string first_line = text.substr(0, text.find('\n'));
  // The border's two top rows are light: the first line is all full blocks.
  std::string full;
  for (int i = 0; i < side; ++i) full += "\u2588";
  CHECK(first_line == full);
  // The next line: border, then the finder's left edge (dark over dark: blank), then its top edge over
  // the light ring (dark over light: lower half block).
  CHECK(text.substr(text.find('\n') + 1).rfind("\u2588\u2588 \u2584\u2584\u2584\u2584\u2584 ", 0) == 0);
  CHECK(text.find("\x1b[") == std::string::npos);
  CHECK(qr_half_blocks(m, true).find("\x1b[97;40m") != std::string::npos);
}

TEST_CASE("qr: the SVG has one unit square per dark module and a white background") {
  QrMatrix m = encode_qr("hello");
  const std::string svg = qr_svg(m);
  CHECK(svg.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 29 29\"", 0) == 0);
  std::size_t dark = 0;
  for (bool d : m.dark) dark += d;
  CHECK(qr_count_of(svg, "h1v1h-1z") == dark);
  CHECK(svg.find("fill=\"#fff\"") != std::string::npos);
  CHECK(svg.find("</svg>") == svg.size() - 6);
}

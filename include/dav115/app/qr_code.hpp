#pragma once
// QR codes for the 115 login (libqrencode): a module matrix, drawn for a terminal with Unicode half
// blocks (two module rows per text line) or as an inline SVG for the admin page.
#include <string>
#include <string_view>
#include <vector>

namespace dav115::app {

struct QrMatrix {
  int width = 0;            // modules per side, without the quiet zone
  std::vector<bool> dark;   // row-major, width * width
  bool at(int x, int y) const {  // false (light) outside the symbol: the quiet zone
    return x >= 0 && y >= 0 && x < width && y < width && dark[static_cast<std::size_t>(y * width + x)];
  }
};

// Byte mode, error correction M, the smallest version that fits. Throws std::runtime_error if the text
// does not fit in a QR code.
QrMatrix encode_qr(std::string_view text);

// Light modules drawn as block characters and dark ones as blanks, with a 2-module light border, so the
// code reads on a dark terminal; `ansi_colors` pins white on black (light terminals, odd themes).
std::string qr_half_blocks(const QrMatrix& qr, bool ansi_colors);

// A standalone <svg> element (black on white, 4-module quiet zone, crisp edges), sized by its viewBox.
std::string qr_svg(const QrMatrix& qr);

}  // namespace dav115::app

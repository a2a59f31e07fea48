#include "dav115/app/qr_code.hpp"

#include <qrencode.h>

#include <memory>
#include <stdexcept>

namespace dav115::app {

QrMatrix encode_qr(std::string_view text) {
  std::unique_ptr<QRcode, decltype(&QRcode_free)> code(
      QRcode_encodeData(static_cast<int>(text.size()), reinterpret_cast<const unsigned char*>(text.data()), 0,
                        QR_ECLEVEL_M),
      &QRcode_free);
  if (!code) throw std::runtime_error("cannot encode a QR code of " + std::to_string(text.size()) + " bytes");
  QrMatrix m;
  m.width = code->width;
  m.dark.resize(static_cast<std::size_t>(m.width) * static_cast<std::size_t>(m.width));
  for (std::size_t i = 0; i < m.dark.size(); ++i) m.dark[i] = (code->data[i] & 1) != 0;  // bit 0: dark module
  return m;
}

std::string qr_half_blocks(const QrMatrix& qr, bool ansi_colors) {
  constexpr int kBorder = 2;
  std::string out;
  for (int y = -kBorder; y < qr.width + kBorder; y += 2) {
    if (ansi_colors) out += "\x1b[97;40m";  // bright white on black
    for (int x = -kBorder; x < qr.width + kBorder; ++x) {
      const bool top = !qr.at(x, y), bottom = !qr.at(x, y + 1);  // light?
      // The border's last row may fall outside when the height is odd: it is light like the rest.
      out += top && bottom ? "\u2588" : top ? "\u2580" : bottom ? "\u2584" : " ";
    }
    if (ansi_colors) out += "\x1b[0m";
    out += '\n';
  }
  return out;
}

std::string qr_svg(const QrMatrix& qr) {
  constexpr int kQuiet = 4;
  const std::string side = std::to_string(qr.width + 2 * kQuiet);
  std::string path;
  for (int y = 0; y < qr.width; ++y)
    for (int x = 0; x < qr.width; ++x)
      if (qr.at(x, y)) path += "M" + std::to_string(x + kQuiet) + " " + std::to_string(y + kQuiet) + "h1v1h-1z";
  return "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " + side + " " + side +
         "\" shape-rendering=\"crispEdges\" role=\"img\" aria-label=\"QR code\"><rect width=\"" + side +
         "\" height=\"" + side + "\" fill=\"#fff\"/><path fill=\"#000\" d=\"" + path + "\"/></svg>";
}

}  // namespace dav115::app

#include "dav115/webdav/xml_text.hpp"

namespace dav115::webdav {

void append_xml_escaped(std::string& out, std::string_view text) {
  std::size_t run = 0;  // start of the current stretch that needs no escaping
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char* rep = nullptr;
    switch (text[i]) {
      case '&': rep = "&amp;"; break;
      case '<': rep = "&lt;"; break;
      case '>': rep = "&gt;"; break;
      case '"': rep = "&quot;"; break;
      case '\'': rep = "&apos;"; break;
      case '\t': case '\n': case '\r': continue;
      default:
        // C0 controls are not allowed in XML 1.0 at all, not even escaped: show U+FFFD instead.
        if (static_cast<unsigned char>(text[i]) < 0x20) {
          rep = "\xEF\xBF\xBD";
          break;
        }
        continue;
    }
    out.append(text.data() + run, i - run);
    out.append(rep);
    run = i + 1;
  }
  out.append(text.data() + run, text.size() - run);
}

}  // namespace dav115::webdav

#include "dav115/webdav/xml_text.hpp"

#include <utf8proc.h>

namespace dav115::webdav {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

bool is_xml_char(utf8proc_int32_t cp) {
  if (cp < 0x20) return cp == '\t' || cp == '\n' || cp == '\r';
  return cp != 0xFFFE && cp != 0xFFFF;  // utf8proc already refuses surrogates and > U+10FFFF
}

// One character of `s` starting at `at`: its length in bytes (1 for a byte that starts no
// well-formed UTF-8 sequence, so the caller resynchronises on the next one) and whether XML allows it.
struct Scanned {
  std::size_t length;
  bool allowed;
};

Scanned next_char(std::string_view s, std::size_t at) {
  auto c = static_cast<unsigned char>(s[at]);
  if (c < 0x80) return {1, is_xml_char(c)};  // plain ASCII, the common case, without utf8proc
  utf8proc_int32_t cp = -1;
  utf8proc_ssize_t n = utf8proc_iterate(reinterpret_cast<const utf8proc_uint8_t*>(s.data() + at),
                                        static_cast<utf8proc_ssize_t>(s.size() - at), &cp);
  if (n <= 0 || cp < 0) return {1, false};
  return {static_cast<std::size_t>(n), is_xml_char(cp)};
}

const char* escape_of(char c, bool attribute) {
  switch (c) {
    case '\t': return attribute ? "&#9;" : nullptr;  // a raw one would be normalised to a space
    case '\n': return attribute ? "&#10;" : nullptr;
    case '\r': return attribute ? "&#13;" : nullptr;
    case '&': return "&amp;";
    case '<': return "&lt;";
    case '>': return "&gt;";
    case '"': return "&quot;";
    case '\'': return "&apos;";
    default: return nullptr;
  }
}

void append_xml(std::string& out, std::string_view text, bool attribute) {
  std::size_t run = 0;  // start of the current stretch that is copied as is
  std::size_t i = 0;
  while (i < text.size()) {
    const char* rep = escape_of(text[i], attribute);
    Scanned ch = rep ? Scanned{1, false} : next_char(text, i);
    if (ch.allowed) {
      i += ch.length;
      continue;
    }
    out.append(text.data() + run, i - run);
    out.append(rep ? std::string_view(rep) : kReplacement);
    i += ch.length;
    run = i;
  }
  out.append(text.data() + run, text.size() - run);
}

}  // namespace

void append_xml_text(std::string& out, std::string_view text) { append_xml(out, text, false); }

void append_xml_attribute(std::string& out, std::string_view text) { append_xml(out, text, true); }

bool is_xml_text(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    Scanned ch = next_char(text, i);
    if (!ch.allowed) return false;
    i += ch.length;
  }
  return true;
}

}  // namespace dav115::webdav

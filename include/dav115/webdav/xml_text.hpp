#pragma once
// XML 1.0 text from strings nobody vouched for: 115's file names and the namespace URIs clients send.
// A 207 with one stray byte is not XML at all, and clients then drop the whole listing.
#include <string>
#include <string_view>

namespace dav115::webdav {

// Appends `text` with the five XML special characters escaped, and everything the XML 1.0 Char
// production excludes replaced by U+FFFD: ill-formed UTF-8 (each bad byte, overlong forms,
// UTF-8-encoded surrogates, code points above U+10FFFF), C0 controls other than tab/LF/CR,
// U+FFFE and U+FFFF.
void append_xml_text(std::string& out, std::string_view text);

// The same for a double- or single-quoted attribute value, where tab, LF and CR are also written as
// character references (raw ones would be read back as spaces).
void append_xml_attribute(std::string& out, std::string_view text);

// True when `text` is well-formed UTF-8 made only of characters XML 1.0 allows.
bool is_xml_text(std::string_view text);

}  // namespace dav115::webdav

#pragma once
// Percent-encoding of path segments for hrefs: UTF-8 bytes, upper-case hex (gvfs rejects lower case),
// RFC 3986 pchar left raw (unreserved, sub-delims !$&'()*+,;= and :@), everything else encoded
// ('/' included, so a segment stays one segment).
#include <optional>
#include <string>
#include <string_view>

namespace dav115::webdav {

// Appends the encoded form of one segment (no '/' added).
void append_encoded_segment(std::string& out, std::string_view segment);
std::string encode_segment(std::string_view segment);

// Decodes every %XX once; nullopt on a malformed escape ("%", "%4", "%zz").
std::optional<std::string> decode_segment(std::string_view encoded);

// Appends `text` with the five XML special characters escaped (&, <, >, ", '); C0 control
// characters, which XML 1.0 cannot carry, become U+FFFD.
void append_xml_escaped(std::string& out, std::string_view text);

}  // namespace dav115::webdav

#pragma once
// Percent-encoding of path segments for hrefs and Location headers: UTF-8 bytes, upper-case hex
// (gvfs rejects lower case), only RFC 3986 unreserved characters left raw. Sub-delims such as & ' ( )
// ; = + are encoded too: neon (cadaver, davfs2) compares the href with the escaped path it sent
// ("%26") byte for byte, and every client decodes an escape it did not need. '/' is encoded inside a
// segment, so a segment stays one segment.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dav115::serve {

// Appends the encoded form of one segment (no '/' added).
void append_encoded_segment(std::string& out, std::string_view segment);
std::string encode_segment(std::string_view segment);

// "/" + each segment encoded, joined by '/' ("/" for none); a trailing '/' when `trailing_slash`.
std::string encode_path(const std::vector<std::string>& segments, bool trailing_slash = false);

// Decodes every %XX once; nullopt on a malformed escape ("%", "%4", "%zz").
std::optional<std::string> decode_segment(std::string_view encoded);

}  // namespace dav115::serve

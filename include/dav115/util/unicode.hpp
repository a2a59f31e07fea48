#pragma once
// Unicode helpers shared by request-path decoding (webdav/) and name indexing (vfs/): macOS Finder
// sends names in NFD while 115 stores NFC, so lookups compare NFC forms.
#include <string>
#include <string_view>

namespace dav115::util {

// True when `s` is well-formed UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF.
bool is_valid_utf8(std::string_view s);

// The NFC form of `s`. Returns `s` unchanged when it is not valid UTF-8 (callers validate first).
std::string nfc(std::string_view s);

}  // namespace dav115::util

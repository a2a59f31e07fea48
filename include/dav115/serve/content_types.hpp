#pragma once
// Content-Type from a file name's extension (115 does not store MIME types). The table is Debian's
// /etc/mime.types (package media-types), read once, with a few media formats it lacks or maps to
// something else (.ts is Qt Linguist there, .ass audio/aac). Shared by PROPFIND (getcontenttype) and
// delivery (Content-Type on GET/HEAD) so both agree.
#include <string_view>

namespace dav115::serve {

inline constexpr std::string_view kDirectoryContentType = "httpd/unix-directory";
inline constexpr std::string_view kDefaultContentType = "application/octet-stream";
inline constexpr std::string_view kSystemMimeTypesFile = "/etc/mime.types";

// The type for `file_name` by its (case-insensitive) extension; kDefaultContentType when unknown.
// Thread-safe; the first call loads kSystemMimeTypesFile.
std::string_view content_type_for(std::string_view file_name);

// Extensions known from kSystemMimeTypesFile (0 when it is missing: then only the media overrides apply).
std::size_t system_mime_type_count();

}  // namespace dav115::serve

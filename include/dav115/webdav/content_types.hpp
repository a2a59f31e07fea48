#pragma once
// Content-Type from a file name's extension (a small built-in table; 115 does not store MIME types).
// Shared by PROPFIND (getcontenttype) and delivery (Content-Type on GET/HEAD) so both agree.
#include <string_view>

namespace dav115::webdav {

inline constexpr std::string_view kDirectoryContentType = "httpd/unix-directory";
inline constexpr std::string_view kDefaultContentType = "application/octet-stream";

// The type for `file_name` by its (case-insensitive) extension; kDefaultContentType when unknown.
std::string_view content_type_for(std::string_view file_name);

}  // namespace dav115::webdav

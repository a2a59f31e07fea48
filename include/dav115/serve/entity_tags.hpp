#pragma once
// The one strong ETag of a node, identical in PROPFIND (getetag) and on GET/HEAD (delivery), so
// clients that revalidate with If-Match / If-None-Match see the same value everywhere.
#include <string>

#include "dav115/vfs/tree.hpp"

namespace dav115::serve {

// Quoted strong tag. Files: "<SHA1 in upper-case hex>" (115's content hash; it changes exactly when
// the bytes do). Folders, and files without a hash: derived from id and mtime (plus size for files).
std::string strong_etag(const vfs::Node& node);
// Appends the same value to `out` (PROPFIND renders thousands of these).
void append_strong_etag(std::string& out, const vfs::Node& node);

}  // namespace dav115::serve

#pragma once
// How an upstream failure reaches a WebDAV client: always 503 with Retry-After and a readable body,
// never a 404 or an empty listing (a client would then believe the files are gone).
// Shared by PROPFIND (webdav/) and GET/HEAD (delivery/).
#include "dav115/util/http_types.hpp"
#include "dav115/vfs/tree.hpp"

namespace dav115::serve {

util::HttpResponse upstream_error_response(const vfs::BackendError& error);

}  // namespace dav115::serve

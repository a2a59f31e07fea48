#pragma once
// How upstream failures reach WebDAV clients: as "try again later", never as 404 or an empty folder.
#include "dav115/cloud115/types.hpp"
#include "dav115/vfs/tree.hpp"

namespace dav115::vfs {

// RateLimited -> RateLimited, ReauthRequired -> ReauthRequired, everything else -> Unavailable;
// retry_after is at least one second so clients never retry in a tight loop.
BackendError to_backend_error(const cloud115::ApiError& e);

}  // namespace dav115::vfs

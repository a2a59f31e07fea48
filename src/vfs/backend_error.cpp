#include "backend_error.hpp"

#include <algorithm>

namespace dav115::vfs {

BackendError to_backend_error(const cloud115::ApiError& e) {
  using K = BackendError::Kind;
  K kind = K::Unavailable;
  switch (e.kind) {
    case cloud115::ErrorKind::RateLimited: kind = K::RateLimited; break;
    case cloud115::ErrorKind::ReauthRequired: kind = K::ReauthRequired; break;
    case cloud115::ErrorKind::NotFound:  // callers handle "gone" themselves; reaching here is an upstream oddity
    case cloud115::ErrorKind::Unavailable:
    case cloud115::ErrorKind::AlreadyExists:  // writes map this one themselves
    case cloud115::ErrorKind::Other: kind = K::Unavailable; break;
  }
  return BackendError(kind, e.what(), std::max(e.retry_after, std::chrono::seconds(1)));
}

}  // namespace dav115::vfs

#include "dav115/serve/upstream_error.hpp"

#include <algorithm>
#include <string>

namespace dav115::serve {

util::HttpResponse upstream_error_response(const vfs::BackendError& error) {
  // Retry-After of 0 would invite an immediate retry storm; one second is the floor.
  const long long retry_after = std::max<long long>(1, error.retry_after.count());
  std::string body;
  switch (error.kind) {
    case vfs::BackendError::Kind::ReauthRequired:
      body =
          "dav115: the 115 refresh token was rejected; re-authorize: \"Log in with 115\" on the admin page "
          "(/admin/), or `dav115 login` beside the running gateway, or a new refresh token in the config "
          "and SIGHUP";
      break;
    case vfs::BackendError::Kind::RateLimited:
      body = "dav115: 115 is rate-limiting requests; retry in " + std::to_string(retry_after) + " s";
      break;
    case vfs::BackendError::Kind::Unavailable:
      body = "dav115: the 115 service did not answer in time; retry in " + std::to_string(retry_after) + " s";
      break;
  }
  util::HttpResponse r = util::text_response(503, std::move(body));
  r.set("Retry-After", std::to_string(retry_after));
  return r;
}

}  // namespace dav115::serve

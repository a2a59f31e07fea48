#pragma once
// Signed download-proxy URLs in AList's format, so a link works with either implementation:
//   sign = base64url(HMAC-SHA256(key, path + ":" + expiry)) + ":" + expiry
// base64url is RFC 4648 §5 *with* '=' padding (Go's base64.URLEncoding), expiry is decimal unix
// seconds, 0 meaning "never expires". `path` is the decoded path relative to the mount, starting "/".
#include <cstdint>
#include <string>
#include <string_view>

namespace dav115::delivery {

std::string sign_path(std::string_view key, std::string_view path, std::int64_t expiry);

enum class SignCheck { Valid, Missing, Malformed, Expired, Invalid };

// Constant-time comparison of the MAC. `sign` is the decoded value of the `sign` query parameter.
SignCheck verify_path_signature(std::string_view key, std::string_view path, std::string_view sign,
                                std::int64_t now_unix);

// <base><per-segment percent-encoded path>?sign=<sign>. A trailing '/' on `base` is dropped.
std::string signed_proxy_url(std::string_view base, std::string_view path, std::string_view key,
                             std::int64_t expiry);

}  // namespace dav115::delivery

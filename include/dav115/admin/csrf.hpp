#pragma once
// Anti-CSRF tokens for the admin page's POSTs. A browser replays Basic credentials on a cross-site
// POST, so every POST must also carry a token that only a page served to that user contains. The
// token is stateless: issued time, a nonce and an HMAC-SHA256 over (user, time, nonce) with a key
// drawn at start, so a restart invalidates every open page (reload it) and nothing is stored.
#include <chrono>
#include <functional>
#include <string>
#include <string_view>

namespace dav115::admin {

class CsrfTokens {
 public:
  using Clock = std::function<std::chrono::system_clock::time_point()>;

  // `lifetime`: how long a page's token is accepted. `clock` is for tests (default: system clock).
  explicit CsrfTokens(std::chrono::seconds lifetime = std::chrono::hours(12), Clock clock = {});

  std::string issue(std::string_view user) const;
  // True only for a token issued to this `user` by this object, not older than the lifetime.
  bool check(std::string_view user, std::string_view token) const;

 private:
  std::string mac(std::string_view user, std::string_view issued, std::string_view nonce) const;
  std::string key_;
  std::chrono::seconds lifetime_;
  Clock clock_;
};

}  // namespace dav115::admin

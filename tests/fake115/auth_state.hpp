#pragma once
// The 115 token rules: access tokens with a TTL, refresh tokens that rotate on every use (the old one
// dead for good), optional grace for the previous access token, a minimum refresh interval, revocation.
// Thread-safe.
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>

namespace dav115::fake115 {

struct AuthSettings {
  std::chrono::seconds access_ttl{7200};
  std::chrono::seconds old_access_grace{0};
  std::chrono::seconds min_refresh_interval{0};
};

// 0 = accepted, else the 115 error code.
struct AccessCheck {
  long code = 0;
  std::string message;
};

struct RefreshResult {
  long code = 0;  // 0 = success
  std::string message;
  std::string access_token, refresh_token;
  long expires_in = 0;
};

class AuthState {
 public:
  using Clock = std::chrono::system_clock;
  // Empty tokens are generated. `on_refresh_token` is called (under no lock) with each new refresh token.
  AuthState(AuthSettings settings, std::string refresh_token, std::string access_token,
            std::function<void(const std::string&)> on_refresh_token);

  // The value of the Authorization header (nullptr when absent).
  AccessCheck check_access(const std::string* authorization);
  RefreshResult refresh(const std::string& refresh_token);
  void expire_access_now();
  void revoke();  // the refresh token is revoked; its access tokens die with it
  // A new authorization (the user scanned the QR code again): a fresh pair, the old refresh token dead,
  // the revocation lifted. Returns the new refresh token.
  std::string reauthorize();
  // The same, answering with the whole new pair (a QR login through deviceCodeToToken).
  RefreshResult authorize_new_login();

  std::string access_token() const;
  std::string refresh_token() const;
  std::int64_t access_expires_at() const;
  std::uint64_t refresh_count() const;
  std::uint64_t dead_refresh_token_uses() const;

  // A 64-character token of [A-Za-z0-9], like the real ones.
  static std::string random_token();

 private:
  struct AccessToken {
    Clock::time_point expires_at;
  };
  AuthSettings settings_;
  mutable std::mutex mu_;
  std::map<std::string, AccessToken> access_;  // every access token ever issued
  std::string current_access_, current_refresh_;
  std::set<std::string> dead_refresh_;          // rotated away
  bool revoked_ = false;
  Clock::time_point last_refresh_{};
  std::uint64_t refresh_count_ = 0, dead_uses_ = 0;
  std::function<void(const std::string&)> on_refresh_token_;
};

}  // namespace dav115::fake115

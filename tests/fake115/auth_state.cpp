#include "auth_state.hpp"

#include <openssl/rand.h>

#include <algorithm>

namespace dav115::fake115 {
namespace {

bool well_formed(const std::string& token) {
  return !token.empty() && token.size() <= 512 && std::all_of(token.begin(), token.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~';
  });
}

RefreshResult failure(long code, std::string message) {
  RefreshResult r;
  r.code = code;
  r.message = std::move(message);
  return r;
}

}  // namespace

std::string AuthState::random_token() {
  static const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  unsigned char raw[64];
  RAND_bytes(raw, sizeof raw);
  std::string t;
  for (unsigned char b : raw) t += alphabet[b % 62];
  return t;
}

AuthState::AuthState(AuthSettings settings, std::string refresh_token, std::string access_token,
                     std::function<void(const std::string&)> on_refresh_token)
    : settings_(settings), on_refresh_token_(std::move(on_refresh_token)) {
  current_refresh_ = refresh_token.empty() ? random_token() : refresh_token;
  current_access_ = access_token.empty() ? random_token() : access_token;
  access_[current_access_] = {Clock::now() + settings_.access_ttl};
  if (on_refresh_token_) on_refresh_token_(current_refresh_);
}

AccessCheck AuthState::check_access(const std::string* authorization) {
  static const std::string prefix = "Bearer ";
  if (!authorization || authorization->compare(0, prefix.size(), prefix) != 0)
    return AccessCheck{40140123, "access_token 格式错误"};
  std::string token = authorization->substr(prefix.size());
  if (!well_formed(token)) return AccessCheck{40140123, "access_token 格式错误"};
  std::lock_guard lk(mu_);
  auto it = access_.find(token);
  if (it == access_.end()) return AccessCheck{40140124, "access_token 签名校验失败"};
  if (revoked_ || Clock::now() >= it->second.expires_at) return AccessCheck{40140125, "access_token 无效（已过期或者已解除授权）"};
  return {};
}

RefreshResult AuthState::refresh(const std::string& refresh_token) {
  RefreshResult r;
  std::string new_refresh;
  {
    std::lock_guard lk(mu_);
    if (refresh_token.empty()) return failure(40100000, "参数缺失");
    if (!well_formed(refresh_token)) return failure(40140114, "refresh_token 格式错误");
    if (dead_refresh_.count(refresh_token)) {
      ++dead_uses_;
      return failure(40140120, "refresh_token 校验失败（防篡改）");
    }
    if (refresh_token != current_refresh_) return failure(40140115, "refresh_token 签名校验失败");
    if (revoked_) return failure(40140116, "refresh_token 无效（已解除授权）");
    const auto now = Clock::now();
    if (settings_.min_refresh_interval.count() > 0 && refresh_count_ > 0 &&
        now - last_refresh_ < settings_.min_refresh_interval)
      return failure(40140117, "access_token 刷新太频繁");
    // Rotation: the old refresh token is dead for good; the old access token lives on only for the grace.
    dead_refresh_.insert(current_refresh_);
    auto old = access_.find(current_access_);
    if (old != access_.end()) old->second.expires_at = std::min(old->second.expires_at, now + settings_.old_access_grace);
    current_refresh_ = new_refresh = random_token();
    current_access_ = random_token();
    access_[current_access_] = {now + settings_.access_ttl};
    last_refresh_ = now;
    ++refresh_count_;
    r.access_token = current_access_;
    r.refresh_token = current_refresh_;
    r.expires_in = static_cast<long>(settings_.access_ttl.count());
  }
  if (on_refresh_token_) on_refresh_token_(new_refresh);
  return r;
}

void AuthState::expire_access_now() {
  std::lock_guard lk(mu_);
  for (auto& [token, a] : access_) a.expires_at = std::min(a.expires_at, Clock::now());
}

void AuthState::revoke() {
  std::lock_guard lk(mu_);
  revoked_ = true;
}

std::string AuthState::reauthorize() { return authorize_new_login().refresh_token; }

RefreshResult AuthState::authorize_new_login() {
  RefreshResult r;
  {
    std::lock_guard lk(mu_);
    dead_refresh_.insert(current_refresh_);
    for (auto& [token, a] : access_) a.expires_at = std::min(a.expires_at, Clock::now());
    current_refresh_ = random_token();
    current_access_ = random_token();
    access_[current_access_] = {Clock::now() + settings_.access_ttl};
    revoked_ = false;
    r.access_token = current_access_;
    r.refresh_token = current_refresh_;
    r.expires_in = static_cast<long>(settings_.access_ttl.count());
  }
  if (on_refresh_token_) on_refresh_token_(r.refresh_token);
  return r;
}

std::string AuthState::access_token() const {
  std::lock_guard lk(mu_);
  return current_access_;
}
std::string AuthState::refresh_token() const {
  std::lock_guard lk(mu_);
  return current_refresh_;
}
std::int64_t AuthState::access_expires_at() const {
  std::lock_guard lk(mu_);
  auto it = access_.find(current_access_);
  return std::chrono::duration_cast<std::chrono::seconds>(it->second.expires_at.time_since_epoch()).count();
}
std::uint64_t AuthState::refresh_count() const {
  std::lock_guard lk(mu_);
  return refresh_count_;
}
std::uint64_t AuthState::dead_refresh_token_uses() const {
  std::lock_guard lk(mu_);
  return dead_uses_;
}

}  // namespace dav115::fake115

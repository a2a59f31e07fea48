#include "dav115/http/authenticator.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cctype>

#include <boost/asio/use_awaitable.hpp>

#include "dav115/http/password_hash.hpp"

namespace dav115::http {
namespace {

// Bounds the failure table so a flood of spoofed-looking addresses cannot grow it without limit.
constexpr std::size_t kMaxTrackedAddresses = 65536;

std::string sha256(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  return std::string(reinterpret_cast<const char*>(md), len);
}

// Equality whose running time depends only on the lengths, not on where the strings differ.
bool constant_time_equal(const std::string& a, const std::string& b) {
  auto ha = sha256(a), hb = sha256(b);
  return CRYPTO_memcmp(ha.data(), hb.data(), ha.size()) == 0;
}

// Whether a cached Authorization value is the presented one, in time that depends only on the lengths
// (std::string's == stops at the first differing byte).
bool same_secret(const std::string& cached, const std::string& presented) {
  return cached.size() == presented.size() && CRYPTO_memcmp(cached.data(), presented.data(), cached.size()) == 0;
}

int iterations_of(const std::string& encoded) {
  // "pbkdf2-sha256$<n>$..." -> n, or 0.
  auto first = encoded.find('$');
  if (first == std::string::npos) return 0;
  auto second = encoded.find('$', first + 1);
  try {
    return std::stoi(encoded.substr(first + 1, second - first - 1));
  } catch (...) {
    return 0;
  }
}

// A syntactically valid hash that no password matches (random key), costing as much as the real ones.
std::string make_dummy_hash(const std::vector<config::User>& users) {
  int iterations = 0;
  for (const auto& u : users) iterations = std::max(iterations, iterations_of(u.password_hash));
  if (iterations <= 0 || iterations > 10'000'000) iterations = 310000;
  std::string salt(16, '\0'), key(32, '\0');
  RAND_bytes(reinterpret_cast<unsigned char*>(salt.data()), 16);
  RAND_bytes(reinterpret_cast<unsigned char*>(key.data()), 32);
  return "pbkdf2-sha256$" + std::to_string(iterations) + "$" + base64_encode(salt) + "$" + base64_encode(key);
}

}  // namespace

Authenticator::Authenticator(const config::Config& cfg, std::chrono::seconds cache_ttl, std::size_t cache_capacity,
                             std::size_t verifier_threads)
    : users_(cfg.users), dummy_hash_(make_dummy_hash(cfg.users)), auth_(cfg.auth), cache_ttl_(cache_ttl),
      cache_capacity_(cache_capacity), verifier_(verifier_threads) {}

std::string Authenticator::challenge() const {
  return "Basic realm=\"" + auth_.realm + "\", charset=\"UTF-8\"";
}

bool Authenticator::parse_basic(std::string_view header, std::string& user, std::string& password) {
  while (!header.empty() && (header.front() == ' ' || header.front() == '\t')) header.remove_prefix(1);
  while (!header.empty() && (header.back() == ' ' || header.back() == '\t')) header.remove_suffix(1);
  constexpr std::string_view scheme = "basic";
  if (header.size() <= scheme.size() + 1) return false;
  for (std::size_t i = 0; i < scheme.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(header[i])) != scheme[i]) return false;
  if (header[scheme.size()] != ' ') return false;
  header.remove_prefix(scheme.size() + 1);
  while (!header.empty() && header.front() == ' ') header.remove_prefix(1);
  std::string decoded;
  if (!base64_decode(header, decoded)) return false;
  auto colon = decoded.find(':');
  if (colon == std::string::npos) return false;
  user = decoded.substr(0, colon);
  password = decoded.substr(colon + 1);
  // Windows sends "DOMAIN\user".
  if (auto slash = user.rfind('\\'); slash != std::string::npos) user.erase(0, slash + 1);
  return !user.empty();
}

std::string Authenticator::cache_key(const std::string& user, const std::string& password) {
  return user + '\0' + sha256(password);
}

const std::string& Authenticator::hash_for(const std::string& user, bool& known) const {
  // Same work whatever the user: walk every entry; the caller then runs exactly one PBKDF2 verification.
  const std::string* hash = &dummy_hash_;
  known = false;
  for (const auto& u : users_) {
    bool match = constant_time_equal(u.name, user);
    if (match && !known) {
      hash = &u.password_hash;
      known = true;
    }
  }
  return *hash;
}

std::optional<std::chrono::seconds> Authenticator::locked(const std::string& address, Clock::time_point now) {
  auto it = failures_.find(address);
  if (it == failures_.end() || it->second.locked_until <= now) return std::nullopt;
  auto left = std::chrono::duration_cast<std::chrono::seconds>(it->second.locked_until - now);
  return std::max(left + std::chrono::seconds(1), std::chrono::seconds(1));
}

void Authenticator::record_failure(const std::string& address, Clock::time_point now) {
  if (failures_.size() >= kMaxTrackedAddresses) {
    std::erase_if(failures_, [&](const auto& kv) {
      return kv.second.locked_until <= now && now - kv.second.window_start > auth_.failure_window;
    });
    if (failures_.size() >= kMaxTrackedAddresses) failures_.clear();
  }
  auto& f = failures_[address];
  if (f.count == 0 || now - f.window_start > auth_.failure_window) {
    f.count = 0;
    f.window_start = now;
  }
  if (++f.count >= auth_.max_failures) {
    f.locked_until = now + auth_.lockout;
    f.count = 0;
  }
}

boost::asio::awaitable<Authenticator::Result> Authenticator::check(std::optional<std::string> authorization,
                                                                   std::string client_address) {
  auto now = Clock::now();
  {
    std::lock_guard lk(mu_);
    if (auto left = locked(client_address, now)) co_return Result{Outcome::LockedOut, {}, *left};
  }
  if (!authorization) co_return Result{Outcome::Challenge, {}, {}};

  // The common case: this exact header was verified a moment ago (clients send it with every request).
  const std::size_t header_hash = std::hash<std::string_view>{}(*authorization);
  {
    std::lock_guard lk(mu_);
    auto it = verified_.find(header_hash);
    if (it != verified_.end() && it->second.expires > now && same_secret(it->second.authorization, *authorization))
      co_return Result{Outcome::Ok, it->second.user, {}};
  }

  std::string user, password;
  bool parsed = parse_basic(*authorization, user, password);
  if (parsed) {
    auto key = cache_key(user, password);
    bool known = false;
    // The derivation owns copies: it may outlive this coroutine's wait (shared with other checks).
    std::function<bool()> derive = [password, hash = hash_for(user, known)] { return verify_password(password, hash); };
    auto verification = verifier_.async_verify(key, std::move(derive), boost::asio::use_awaitable);
    bool ok = co_await std::move(verification);
    now = Clock::now();
    if (ok && known) {
      std::lock_guard lk(mu_);
      if (verified_.size() >= cache_capacity_) {
        std::erase_if(verified_, [&](const auto& kv) { return kv.second.expires <= now; });
        if (verified_.size() >= cache_capacity_) verified_.clear();
      }
      verified_[header_hash] = Verified{*authorization, user, now + cache_ttl_};
      failures_.erase(client_address);
      co_return Result{Outcome::Ok, user, {}};
    }
  }
  std::lock_guard lk(mu_);
  // This failure is still answered 401; the lockout applies to the requests that follow.
  record_failure(client_address, now);
  co_return Result{Outcome::Challenge, {}, {}};
}

}  // namespace dav115::http

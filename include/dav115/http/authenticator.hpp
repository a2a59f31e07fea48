#pragma once
// HTTP Basic authentication for the server: constant-shape credential checks against the configured
// users, a short-lived cache of successful verifications (PBKDF2 is slow on purpose and clients send
// credentials with every request; keyed by the raw header, so a hit decodes and hashes nothing), and a
// per-client-address lockout after repeated failures.
// A cache miss runs PBKDF2 on the CredentialVerifier's own threads, never on the caller's.
// Thread-safe.
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstddef>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "dav115/config/config.hpp"
#include "dav115/http/credential_verifier.hpp"

namespace dav115::http {

class Authenticator {
 public:
  using Clock = std::chrono::steady_clock;

  enum class Outcome { Ok, Challenge, LockedOut };
  struct Result {
    Outcome outcome = Outcome::Challenge;
    std::string user;                 // set when Ok
    std::chrono::seconds retry_after{0};  // set when LockedOut
  };

  explicit Authenticator(const config::Config& cfg,
                         std::chrono::seconds cache_ttl = std::chrono::seconds(60),
                         std::size_t cache_capacity = 1024, std::size_t verifier_threads = 2);

  // `authorization` is the Authorization header value (nullopt when absent).
  // A missing header is a plain challenge; wrong or malformed credentials count as a failure.
  // Completes on the caller's executor; the PBKDF2 of a cache miss runs on the verifier's pool.
  boost::asio::awaitable<Result> check(std::optional<std::string> authorization, std::string client_address);

  // Lets the verifications already queued finish, then answers every new cache miss with a
  // challenge. The server calls it when it goes away.
  void shutdown() { verifier_.shutdown(); }

  // "Basic realm=\"<realm>\", charset=\"UTF-8\"" for WWW-Authenticate.
  std::string challenge() const;

  // Parses "Basic <base64(user:password)>", stripping a "DOMAIN\" prefix from the user.
  static bool parse_basic(std::string_view header, std::string& user, std::string& password);

 private:
  struct Failures {
    int count = 0;
    Clock::time_point window_start;
    Clock::time_point locked_until;
  };

  // The stored hash to check `user`'s password against (a dummy one for an unknown user, so that
  // costs the same), walking every entry; `known` says whether the user exists.
  const std::string& hash_for(const std::string& user, bool& known) const;
  std::optional<std::chrono::seconds> locked(const std::string& address, Clock::time_point now);
  void record_failure(const std::string& address, Clock::time_point now);
  static std::string cache_key(const std::string& user, const std::string& password);

  std::vector<config::User> users_;
  std::string dummy_hash_;  // verified when the user is unknown, so that costs the same as a wrong password
  config::Auth auth_;
  std::chrono::seconds cache_ttl_;
  std::size_t cache_capacity_;

  std::mutex mu_;
  // Successful verifications, keyed by a hash of the raw Authorization value: a hit costs one hash of
  // the header and one constant-time comparison, no base64 decoding and no password hashing. A hash
  // collision only replaces an entry (the comparison still decides).
  struct Verified {
    std::string authorization;
    std::string user;
    Clock::time_point expires;
  };
  std::unordered_map<std::size_t, Verified> verified_;
  std::unordered_map<std::string, Failures> failures_;           // client address -> failures
  CredentialVerifier verifier_;  // last: its threads stop before the state above goes away
};

}  // namespace dav115::http

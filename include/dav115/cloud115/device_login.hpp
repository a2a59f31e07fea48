#pragma once
// The QR login of the 115 Open Platform (115-open-api.md §2.1, the PKCE device-code flow):
//   start()    POST passport /open/authDeviceCode  -> a QR code to show (and the PKCE verifier, kept here)
//   poll()     GET  qrcode   /get/status/           -> waiting, scanned, confirmed, expired or cancelled
//   exchange() POST passport /open/deviceCodeToToken -> the token pair
// Shared by `dav115 login` (terminal) and the admin page; it only talks to 115; storing the pair is the
// caller's job (login_token_record() builds the record `serve` reads).
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "dav115/cloud115/json_mapping.hpp"
#include "dav115/config/config.hpp"
#include "dav115/net/http_client.hpp"
#include "dav115/store/token_state.hpp"

namespace dav115::cloud115 {

// What authDeviceCode returned, plus the PKCE verifier the exchange must present.
struct DeviceCode {
  std::string uid;
  std::int64_t time = 0;
  std::string qrcode;    // the text to show as a QR code (the 115 app scans it)
  std::string sign;
  std::string verifier;  // never sent before the exchange
};

enum class LoginStatus { Waiting, Scanned, Confirmed, Expired, Cancelled };
const char* to_string(LoginStatus s);  // "waiting", "scanned", ...
bool is_final(LoginStatus s);          // confirmed, expired, cancelled

struct LoginPoll {
  LoginStatus status = LoginStatus::Waiting;
  std::string message;  // 115's own words, when it gave some
};

// 115 refused (what() carries 115's code and message) or could not be reached (`transient`).
struct LoginError : std::runtime_error {
  LoginError(long long code, const std::string& message, bool transient)
      : std::runtime_error(message), code(code), transient(transient) {}
  long long code;  // 115's code; 0 when there was none (transport failure, non-JSON page)
  bool transient;
};

struct DeviceLoginOptions {
  // One status request: 115 holds it open while nothing happens, so this is longer than request_timeout.
  std::chrono::milliseconds poll_timeout{60000};
  // At least this between the starts of two polls: a server that answers at once is not hammered.
  std::chrono::milliseconds poll_gap{1000};
  int max_poll_failures = 5;  // transient failures in a row before wait() gives up
  // wait() reports Expired after this long without a final status (115's codes expire well before).
  std::chrono::seconds give_up_after{600};
};

class DeviceLogin {
 public:
  // `http` must outlive this object and every call made through it.
  DeviceLogin(net::HttpClient& http, config::Cloud115 cfg, DeviceLoginOptions opts = {});

  // Throws LoginError; std::invalid_argument when cfg.app_id is empty.
  boost::asio::awaitable<DeviceCode> start();
  // One long poll. Throws LoginError (transient for transport trouble and non-JSON pages).
  boost::asio::awaitable<LoginPoll> poll(DeviceCode code);
  // Polls until a final status, calling `on_change` (which must outlive the call) for every new one,
  // including the final one. Transient failures are retried up to max_poll_failures in a row.
  boost::asio::awaitable<LoginPoll> wait(DeviceCode code, const std::function<void(const LoginPoll&)>& on_change);
  // 115 spends the code on it: a failure here needs a new QR code. Throws LoginError.
  boost::asio::awaitable<mapping::TokenGrant> exchange(DeviceCode code);

 private:
  net::HttpClient& http_;
  config::Cloud115 cfg_;
  DeviceLoginOptions opts_;
};

// PKCE (RFC 7636): 64 characters of [A-Za-z0-9-._~] from OpenSSL's random bytes, and base64(SHA-256)
// of it in the standard alphabet with padding (what SDK-OL sends; 115 also takes URL-safe since 2025-04).
std::string make_code_verifier();
std::string code_challenge(std::string_view verifier);

// The pure parts, unit-tested on their own.
DeviceCode parse_device_code(const nlohmann::json& body);  // throws LoginError on a bad shape
LoginPoll parse_login_status(unsigned http_status, std::string_view body);  // throws LoginError

// The record `serve` reads after a login: the new pair, expiring `expires_in` from `now`. Its origin is
// the config's refresh token (when there is one), so serve prefers this pair to that token until the
// user pastes a different one; the generation goes past the stored record's.
store::TokenRecord login_token_record(const mapping::TokenGrant& grant, const std::optional<store::TokenRecord>& stored,
                                      const std::string& config_refresh_token, std::int64_t now);

}  // namespace dav115::cloud115

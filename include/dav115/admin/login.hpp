#pragma once
// The plug for "Log in with 115" on the admin page: the 115 device-code login (QR code, status
// polling, adopting the new token pair without a restart) lives behind this interface, outside the
// admin module. Without a provider the admin page shows no login button and the login endpoints
// answer 404.
#include <boost/asio/awaitable.hpp>

#include <cstdint>
#include <string>

namespace dav115::admin {

struct LoginStart {
  std::string session;      // opaque id the page polls with (URL-safe characters only)
  std::string qr_svg;       // a whole SVG document of the QR code; shown as an <img>, so no script runs
  std::int64_t expires_at;  // unix seconds; the page stops polling then
};

enum class LoginState { Waiting, Scanned, Confirmed, Expired, Cancelled, Failed };

struct LoginProgress {
  LoginState state = LoginState::Waiting;
  std::string message;      // shown to the admin as is (115's own text on failure)
};

class LoginProvider {
 public:
  virtual ~LoginProvider() = default;
  // Starts a device-code login (POST /admin/login/start). Throws std::exception with a message for
  // the admin when 115 refuses.
  virtual boost::asio::awaitable<LoginStart> start() = 0;
  // One status check of `session` (POST /admin/login/poll). On Confirmed the new token pair is
  // already in use and saved. Unknown sessions give Failed.
  virtual boost::asio::awaitable<LoginProgress> poll(std::string session) = 0;
};

const char* to_string(LoginState s);  // "waiting", "scanned", ...

}  // namespace dav115::admin

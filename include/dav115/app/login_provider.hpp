#pragma once
// "Log in with 115" on the admin page: the device-code flow of cloud115/device_login behind the
// admin::LoginProvider plug. Each start() is a login session the page polls; on "confirmed" the pair
// is exchanged once (whoever polls first) and handed to `adopt` (the gateway's client), so the
// gateway serves again without a restart.
#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "dav115/admin/login.hpp"
#include "dav115/cloud115/device_login.hpp"

namespace dav115::app {

class DeviceLoginProvider final : public admin::LoginProvider {
 public:
  using Adopt = std::function<boost::asio::awaitable<void>(cloud115::mapping::TokenGrant)>;

  // `http` must outlive this provider. `session_lifetime`: how long the page may poll one QR code.
  DeviceLoginProvider(net::HttpClient& http, config::Cloud115 cfg, Adopt adopt,
                      std::chrono::seconds session_lifetime = std::chrono::seconds(300));

  boost::asio::awaitable<admin::LoginStart> start() override;
  boost::asio::awaitable<admin::LoginProgress> poll(std::string session) override;

 private:
  struct Session {
    cloud115::DeviceCode code;
    std::int64_t expires_at = 0;
    bool exchanging = false;                     // someone is spending the code: others wait
    std::optional<admin::LoginProgress> outcome;  // final, kept so a late poll learns it
  };
  using Sessions = std::map<std::string, Session>;
  boost::asio::awaitable<admin::LoginProgress> finish(std::string id, cloud115::DeviceCode code);
  // What a poll of `it` answers without asking 115: unknown, finished, or being finished; else nullopt.
  std::optional<admin::LoginProgress> settled_locked(Sessions::iterator it) const;
  void forget_stale_locked(std::int64_t now);

  cloud115::DeviceLogin flow_;
  Adopt adopt_;
  std::chrono::seconds lifetime_;
  std::mutex mu_;
  Sessions sessions_;
};

}  // namespace dav115::app

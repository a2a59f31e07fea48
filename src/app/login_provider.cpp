#include "dav115/app/login_provider.hpp"

#include <openssl/rand.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <stdexcept>
#include <vector>

#include "dav115/app/qr_code.hpp"
#include "dav115/util/text.hpp"

namespace dav115::app {

namespace asio = boost::asio;

namespace {

// Sessions kept at once: a page left open and restarted does not pile them up.
constexpr std::size_t kMaxSessions = 8;

std::int64_t provider_unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string new_session_id() {
  unsigned char raw[16];
  if (RAND_bytes(raw, sizeof raw) != 1) throw std::runtime_error("OpenSSL could not produce random bytes");
  return util::hex_encode(raw, sizeof raw, false);
}

// One status request held open by 115 must end well before the page's request deadline.
cloud115::DeviceLoginOptions admin_poll_options() {
  cloud115::DeviceLoginOptions o;
  o.poll_timeout = std::chrono::seconds(20);
  return o;
}

admin::LoginProgress login_progress(admin::LoginState state, std::string message) {
  admin::LoginProgress p;
  p.state = state;
  p.message = std::move(message);
  return p;
}

}  // namespace

DeviceLoginProvider::DeviceLoginProvider(net::HttpClient& http, config::Cloud115 cfg, Adopt adopt,
                                         std::chrono::seconds session_lifetime)
    : flow_(http, std::move(cfg), admin_poll_options()), adopt_(std::move(adopt)), lifetime_(session_lifetime) {}

std::optional<admin::LoginProgress> DeviceLoginProvider::settled_locked(Sessions::iterator it) const {
  if (it == sessions_.end()) return login_progress(admin::LoginState::Failed, "Unknown or finished login: start again.");
  if (it->second.outcome) return it->second.outcome;
  if (it->second.exchanging) return login_progress(admin::LoginState::Scanned, "Confirmed: finishing the login...");
  return std::nullopt;
}

void DeviceLoginProvider::forget_stale_locked(std::int64_t now) {
  for (auto it = sessions_.begin(); it != sessions_.end();)
    it = it->second.expires_at + 60 < now && !it->second.exchanging ? sessions_.erase(it) : std::next(it);
  while (sessions_.size() >= kMaxSessions) {  // the oldest QR code gives way
    auto oldest = sessions_.begin();
    for (auto it = sessions_.begin(); it != sessions_.end(); ++it)
      if (!it->second.exchanging && it->second.expires_at < oldest->second.expires_at) oldest = it;
    sessions_.erase(oldest);
  }
}

asio::awaitable<admin::LoginStart> DeviceLoginProvider::start() {
  auto starting = flow_.start();
  cloud115::DeviceCode code = co_await std::move(starting);
  admin::LoginStart out;
  out.qr_svg = qr_svg(encode_qr(code.qrcode));
  out.session = new_session_id();
  const auto now = provider_unix_now();
  out.expires_at = now + lifetime_.count();
  std::lock_guard lk(mu_);
  forget_stale_locked(now);
  Session s;
  s.code = std::move(code);
  s.expires_at = out.expires_at;
  sessions_.emplace(out.session, std::move(s));
  spdlog::info("admin: QR login started");
  co_return out;
}

asio::awaitable<admin::LoginProgress> DeviceLoginProvider::poll(std::string id) {
  cloud115::DeviceCode code;
  {
    std::lock_guard lk(mu_);
    auto it = sessions_.find(id);
    if (auto settled = settled_locked(it)) co_return *settled;
    if (provider_unix_now() > it->second.expires_at) {
      it->second.outcome = login_progress(admin::LoginState::Expired, "The QR code expired: start again.");
      co_return *it->second.outcome;
    }
    code = it->second.code;
  }
  cloud115::LoginPoll answer;
  std::optional<cloud115::LoginError> refused;
  try {
    auto polling = flow_.poll(code);
    answer = co_await std::move(polling);
  } catch (const cloud115::LoginError& e) {
    refused = e;
  }
  {
    // Another poll (a second tab) may have spent the code meanwhile, and 115 then calls it invalid:
    // what that poll found is the answer.
    std::lock_guard lk(mu_);
    auto it = sessions_.find(id);
    if (auto settled = settled_locked(it)) co_return *settled;
  }
  if (refused) {
    // No answer (115 unreachable, or its long poll held longer than ours): the page polls again, and
    // the session's lifetime bounds it. 115 refusing this code: the login is over.
    if (refused->transient)
      co_return login_progress(admin::LoginState::Waiting, std::string("Still waiting for the scan (115's status check "
                                                                       "gave no answer: ") + refused->what() + "); asking again.");
    auto outcome = login_progress(admin::LoginState::Failed, refused->what());
    std::lock_guard lk(mu_);
    if (auto it = sessions_.find(id); it != sessions_.end() && !it->second.exchanging && !it->second.outcome)
      it->second.outcome = outcome;
    co_return outcome;
  }
  switch (answer.status) {
    case cloud115::LoginStatus::Waiting:
      co_return login_progress(admin::LoginState::Waiting, "Scan the code with the 115 app.");
    case cloud115::LoginStatus::Scanned:
      co_return login_progress(admin::LoginState::Scanned, "Scanned: confirm the login in the 115 app.");
    case cloud115::LoginStatus::Expired:
    case cloud115::LoginStatus::Cancelled: {
      const bool expired = answer.status == cloud115::LoginStatus::Expired;
      auto outcome = login_progress(expired ? admin::LoginState::Expired : admin::LoginState::Cancelled,
                              expired ? "The QR code expired: start again." : "The login was cancelled in the 115 app.");
      if (!answer.message.empty()) outcome.message += " (115: " + answer.message + ")";
      std::lock_guard lk(mu_);
      if (auto it = sessions_.find(id); it != sessions_.end() && !it->second.exchanging && !it->second.outcome)
        it->second.outcome = outcome;
      co_return outcome;
    }
    case cloud115::LoginStatus::Confirmed: break;
  }
  {
    std::lock_guard lk(mu_);
    auto it = sessions_.find(id);
    if (auto settled = settled_locked(it)) co_return *settled;
    it->second.exchanging = true;  // the code can be spent once: only this poll spends it
  }
  auto finishing = finish(id, code);
  co_return co_await std::move(finishing);
}

asio::awaitable<admin::LoginProgress> DeviceLoginProvider::finish(std::string id, cloud115::DeviceCode code) {
  admin::LoginProgress outcome;
  try {
    auto exchanging = flow_.exchange(code);
    cloud115::mapping::TokenGrant grant = co_await std::move(exchanging);
    auto adopting = adopt_(std::move(grant));
    co_await std::move(adopting);
    outcome = login_progress(admin::LoginState::Confirmed, "Logged in: the gateway uses the new token.");
    spdlog::info("admin: QR login confirmed; the new token is in use");
  } catch (const std::exception& e) {
    outcome = login_progress(admin::LoginState::Failed, std::string("The login could not be completed: ") + e.what());
    spdlog::warn("admin: {}", outcome.message);
  }
  std::lock_guard lk(mu_);
  if (auto it = sessions_.find(id); it != sessions_.end()) {
    it->second.exchanging = false;
    it->second.outcome = outcome;
  }
  co_return outcome;
}

}  // namespace dav115::app

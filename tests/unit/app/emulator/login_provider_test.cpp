// The admin page's login provider against the real fake115: a session per QR code, statuses passed on,
// the code spent once however many polls see "confirmed" at the same time, outcomes kept for late polls.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

#include "dav115/app/login_provider.hpp"
#include "support/fake115.hpp"

using namespace dav115;
using dav115::test::Fake115;
using nlohmann::json;
namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

struct ProviderRig {
  Fake115& fake;
  asio::io_context io;
  net::HttpClient http{io.get_executor()};
  std::vector<std::string> adopted;  // refresh tokens handed to `adopt`
  bool adopt_fails = false;
  app::DeviceLoginProvider provider;

  static config::Cloud115 cfg(Fake115& f) {
    config::Cloud115 c;
    c.passport_base = f.base_url();
    c.qrcode_base = f.base_url();
    c.app_id = "100000001";
    c.request_timeout = 5000ms;
    return c;
  }
  explicit ProviderRig(Fake115& f, std::chrono::seconds lifetime = 300s)
      : fake(f),
        provider(http, cfg(f),
                 [this](cloud115::mapping::TokenGrant g) -> asio::awaitable<void> {
                   if (adopt_fails) throw std::runtime_error("disk full");
                   adopted.push_back(g.refresh_token);
                   co_return;
                 },
                 lifetime) {}

  template <class T>
  T run(asio::awaitable<T> work) {
    std::optional<T> out;
    std::exception_ptr err;
    asio::co_spawn(io, std::move(work), [&](std::exception_ptr e, T v) {
      err = e;
      if (!e) out = std::move(v);
    });
    io.restart();
    io.run();
    if (err) std::rethrow_exception(err);
    return std::move(*out);
  }
  admin::LoginStart start() { return run(provider.start()); }
  admin::LoginProgress poll(const std::string& id) { return run(provider.poll(id)); }
};

void script(Fake115& emu, const json& statuses) { emu.control({{"device_login", {{"script", statuses}}}}); }

}  // namespace

TEST_CASE("login provider: a QR code as SVG, statuses passed on, the pair adopted once on confirmation") {
  Fake115 emu;
  script(emu, json::array({"waiting", "scanned", "confirmed"}));
  ProviderRig rig(emu, 300s);
  const auto before = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  auto s = rig.start();
  CHECK(s.qr_svg.rfind("<svg", 0) == 0);
  CHECK(s.session.size() == 32);
  CHECK(s.expires_at >= before + 300);
  CHECK(s.expires_at <= before + 302);

  CHECK(rig.poll(s.session).state == admin::LoginState::Waiting);
  CHECK(rig.poll(s.session).state == admin::LoginState::Scanned);
  CHECK(rig.adopted.empty());
  auto done = rig.poll(s.session);
  CHECK(done.state == admin::LoginState::Confirmed);
  REQUIRE(rig.adopted.size() == 1);
  CHECK(rig.adopted[0] == emu.refresh_token());
  // A late poll (another tab, a retry) learns the outcome without spending anything again.
  CHECK(rig.poll(s.session).state == admin::LoginState::Confirmed);
  CHECK(rig.adopted.size() == 1);
  CHECK(rig.poll("no-such-session").state == admin::LoginState::Failed);
}

TEST_CASE("login provider: polls racing on a confirmed code exchange it once") {
  Fake115 emu;
  script(emu, json::array({"confirmed"}));
  ProviderRig rig(emu);
  auto s = rig.start();
  std::vector<admin::LoginProgress> answers(4);
  std::exception_ptr err;
  for (auto& a : answers)
    asio::co_spawn(rig.io, rig.provider.poll(s.session), [&](std::exception_ptr e, admin::LoginProgress p) {
      if (e) err = e;
      a = p;
    });
  rig.io.restart();
  rig.io.run();
  REQUIRE_FALSE(err);
  CHECK(rig.adopted.size() == 1);
  int confirmed = 0;
  for (const auto& a : answers) {
    INFO(admin::to_string(a.state) << ": " << a.message);
    CHECK((a.state == admin::LoginState::Confirmed || a.state == admin::LoginState::Scanned));
    confirmed += a.state == admin::LoginState::Confirmed;
  }
  CHECK(confirmed >= 1);
  CHECK(rig.poll(s.session).state == admin::LoginState::Confirmed);
}

TEST_CASE("login provider: cancelled, expired and a failed adoption end the session with a message") {
  Fake115 emu;
  SECTION("cancelled in the app") {
    script(emu, json::array({"cancelled"}));
    ProviderRig rig(emu);
    auto s = rig.start();
    auto p = rig.poll(s.session);
    CHECK(p.state == admin::LoginState::Cancelled);
    CHECK(p.message.find("cancelled") != std::string::npos);
    script(emu, json::array({"confirmed"}));  // later codes only: this one stays cancelled
    CHECK(rig.poll(s.session).state == admin::LoginState::Cancelled);
    CHECK(rig.adopted.empty());
  }
  SECTION("the session outlived its lifetime") {
    script(emu, json::array({"waiting"}));
    ProviderRig rig(emu, 0s);
    auto s = rig.start();
    // expires_at = now: a poll in a later second finds it expired (bounded wait for the clock to move).
    admin::LoginProgress p;
    for (int i = 0; i < 400 && p.state != admin::LoginState::Expired; ++i) {
      p = rig.poll(s.session);
      if (p.state != admin::LoginState::Expired) std::this_thread::sleep_for(10ms);
    }
    CHECK(p.state == admin::LoginState::Expired);
    CHECK(rig.adopted.empty());
  }
  SECTION("the gateway could not adopt the pair") {
    script(emu, json::array({"confirmed"}));
    ProviderRig rig(emu);
    rig.adopt_fails = true;
    auto s = rig.start();
    auto p = rig.poll(s.session);
    CHECK(p.state == admin::LoginState::Failed);
    CHECK(p.message.find("disk full") != std::string::npos);
  }
}

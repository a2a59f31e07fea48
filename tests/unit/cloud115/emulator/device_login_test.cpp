// DeviceLogin against the real fake115: the whole flow, status changes reported once each, transient
// trouble retried within a bound, 115's refusals passed on, and a login nobody confirms given up.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

#include "dav115/cloud115/device_login.hpp"
#include "support/fake115.hpp"

using namespace dav115::cloud115;
using dav115::test::Fake115;
using nlohmann::json;
namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

struct LoginRig {
  Fake115& fake;
  asio::io_context io;
  dav115::net::HttpClient http{io.get_executor()};
  DeviceLogin flow;

  static dav115::config::Cloud115 cfg(Fake115& f) {
    dav115::config::Cloud115 c;
    c.passport_base = f.base_url();
    c.qrcode_base = f.base_url();
    c.app_id = "100000001";
    c.request_timeout = 5000ms;
    return c;
  }
  static DeviceLoginOptions fast(int max_failures = 5, std::chrono::seconds give_up = 60s) {
    DeviceLoginOptions o;
    o.poll_timeout = 5000ms;
    o.poll_gap = 20ms;
    o.max_poll_failures = max_failures;
    o.give_up_after = give_up;
    return o;
  }
  explicit LoginRig(Fake115& f, DeviceLoginOptions o = fast()) : fake(f), flow(http, cfg(f), o) {}

  // Runs the login to its end: the statuses reported, and the grant when confirmed.
  std::vector<LoginStatus> seen;
  std::optional<mapping::TokenGrant> grant;
  LoginPoll run() {
    LoginPoll end;
    std::exception_ptr err;
    std::function<void(const LoginPoll&)> note = [this](const LoginPoll& p) { seen.push_back(p.status); };
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          auto starting = flow.start();
          DeviceCode code = co_await std::move(starting);
          auto waiting = flow.wait(code, note);
          end = co_await std::move(waiting);
          if (end.status != LoginStatus::Confirmed) co_return;
          auto exchanging = flow.exchange(code);
          grant = co_await std::move(exchanging);
        },
        [&](std::exception_ptr e) { err = e; });
    io.run_for(60s);
    if (err) std::rethrow_exception(err);
    return end;
  }
};

}  // namespace

TEST_CASE("DeviceLogin: each status change is reported once, and the grant is the emulator's new pair") {
  Fake115 f;
  f.control({{"device_login", {{"script", json::array({"waiting", "waiting", "scanned", "scanned", "confirmed"})}}}});
  LoginRig rig(f);
  CHECK(rig.run().status == LoginStatus::Confirmed);
  CHECK(rig.seen == std::vector<LoginStatus>{LoginStatus::Waiting, LoginStatus::Scanned, LoginStatus::Confirmed});
  REQUIRE(rig.grant);
  CHECK(rig.grant->refresh_token == f.refresh_token());
  CHECK(rig.grant->access_token == f.access_token());
}

TEST_CASE("DeviceLogin: a status poll that fails now and then is retried") {
  Fake115 f;
  f.control({{"device_login", {{"script", json::array({"waiting", "scanned", "confirmed"})}}},
             {"fail", {{"path", "/get/status/"}, {"mode", "garbage"}, {"count", 2}}}});
  LoginRig rig(f);
  CHECK(rig.run().status == LoginStatus::Confirmed);
  CHECK(rig.grant);
}

TEST_CASE("DeviceLogin: too many failures in a row end the login with the reason") {
  Fake115 f;
  f.control({{"fail", {{"path", "/get/status/"}, {"mode", "garbage"}, {"count", 10}}}});
  LoginRig rig(f, LoginRig::fast(/*max_failures=*/2));
  try {
    rig.run();
    FAIL("no error");
  } catch (const LoginError& e) {
    CHECK(e.transient);
    CHECK(std::string(e.what()).find("non-JSON") != std::string::npos);
  }
  CHECK_FALSE(rig.grant);
}

TEST_CASE("DeviceLogin: 115's refusal of the app id is passed on with its message") {
  Fake115 f({"--app-id", "42"});
  LoginRig rig(f);
  try {
    rig.run();
    FAIL("no error");
  } catch (const LoginError& e) {
    CHECK_FALSE(e.transient);
    CHECK(e.code == 40140100);
    CHECK(std::string(e.what()).find("client_id 错误") != std::string::npos);
  }
}

TEST_CASE("DeviceLogin: a code nobody confirms is given up as expired") {
  Fake115 f;
  f.control({{"device_login", {{"script", json::array({"waiting"})}}}});
  LoginRig rig(f, LoginRig::fast(5, /*give_up=*/1s));
  LoginPoll end = rig.run();
  CHECK(end.status == LoginStatus::Expired);
  CHECK(end.message.find("no decision") != std::string::npos);
  CHECK(rig.seen == std::vector<LoginStatus>{LoginStatus::Waiting, LoginStatus::Expired});
  CHECK_FALSE(rig.grant);
}

// OpenApiClient end to end against an in-process fake of the 115 endpoints on 127.0.0.1.
#include <catch2/catch.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <filesystem>
#include <random>

#include "../net/test_server.hpp"
#include "dav115/cloud115/open_api_client.hpp"
#include "scratch_dir.hpp"
#include "dav115/store/token_state.hpp"

namespace asio = boost::asio;
namespace fs = std::filesystem;
using namespace dav115;
using namespace dav115::cloud115;
using namespace std::chrono_literals;
using test::ServerReply;
using test::ServerRequest;
using test::TestServer;

using dav115::test::run_test;

namespace {

// The fake's world: which tokens are valid, and scripted failures.
struct Fake {
  std::string valid_access = "access-1";
  std::string valid_refresh = "refresh-0";
  int next = 1;
  int refresh_calls = 0;
  int list_calls = 0;
  int fail_lists_with_770004 = 0;  // this many list calls answer 770004 first
  long long refresh_error = 0;     // when set, refreshToken answers with this code
  int expires_in = 7200;
  std::vector<std::string> list_auth;

  asio::awaitable<ServerReply> handle(const ServerRequest& req) {
    std::string target(req.target());
    if (target == "/open/refreshToken") {
      ++refresh_calls;
      // Give concurrent callers time to pile up behind the single refresh.
      asio::steady_timer t(co_await asio::this_coro::executor, 50ms);
      co_await t.async_wait(asio::use_awaitable);
      if (refresh_error)
        co_return ServerReply{200, R"({"state":0,"code":)" + std::to_string(refresh_error) +
                                       R"(,"message":"no","data":{},"error":"no","errno":)" +
                                       std::to_string(refresh_error) + "}"};
      if (req.body() != "refresh_token=" + valid_refresh)
        co_return ServerReply{200, R"({"state":0,"code":40140120,"message":"refresh_token 检验失败","data":{}})"};
      ++next;
      valid_access = "access-" + std::to_string(next);
      valid_refresh = "refresh-" + std::to_string(next);
      co_return ServerReply{200, R"({"state":1,"code":0,"message":"","data":{"access_token":")" + valid_access +
                                     R"(","refresh_token":")" + valid_refresh +
                                     R"(","expires_in":)" + std::to_string(expires_in) + R"(},"error":"","errno":0})"};
    }
    if (target.rfind("/open/ufile/files?", 0) == 0) {
      ++list_calls;
      list_auth.push_back(std::string(req["Authorization"]));
      if (std::string(req["Authorization"]) != "Bearer " + valid_access)
        co_return ServerReply{200, R"({"state":false,"code":40140125,"message":"access_token 无效"})"};
      if (fail_lists_with_770004 > 0) {
        --fail_lists_with_770004;
        co_return ServerReply{200, R"({"state":false,"code":770004,"message":"访问频率过高"})"};
      }
      co_return ServerReply{200, R"({"state":true,"code":0,"count":2,"cid":"0","offset":0,"data":[
          {"fid":"11","pid":"0","fc":"0","fn":"dir","fs":0,"pc":"p1","upt":1},
          {"fid":"12","pid":"0","fc":"1","fn":"f.txt","fs":"5","pc":"p2","sha1":"ab","upt":2}]})"};
    }
    co_return ServerReply{404, R"({"state":false,"code":404,"message":"no route"})"};
  }
};

config::Cloud115 make_cfg(const std::string& base) {
  config::Cloud115 c;
  c.api_base = base;
  c.passport_base = base;
  c.refresh_token = "refresh-0";
  c.access_token = "stale-access";
  c.rate_limit = {1000.0, 100};
  c.cooldown = 1s;
  c.request_timeout = 5000ms;
  return c;
}

CallOptions within(std::chrono::milliseconds d) {
  return CallOptions{Priority::Interactive, std::chrono::steady_clock::now() + d};
}

}  // namespace

TEST_CASE("20 concurrent calls on a rejected access token cause exactly one refresh, persisted first") {
  asio::io_context io;
  Fake fake;
  TestServer server(io.get_executor(), [&](const ServerRequest& r) { return fake.handle(r); });
  net::HttpClient http(io.get_executor());
  cloud115_test::ScratchDir dir;
  auto cfg = make_cfg(server.base_url());
  OpenApiClient client(io.get_executor(), http, cfg, dir.path.string());
  int ok = 0;
  run_test(io, [&]() -> asio::awaitable<void> {
    co_await client.start();  // the config's access token has no known expiry: used as is
    CHECK(fake.refresh_calls == 0);
    auto ex = co_await asio::this_coro::executor;
    auto remaining = std::make_shared<int>(20);
    auto all_done = std::make_shared<asio::steady_timer>(ex, std::chrono::steady_clock::time_point::max());
    for (int i = 0; i < 20; ++i)
      asio::co_spawn(ex, [&, remaining, all_done]() -> asio::awaitable<void> {
        auto entries = co_await client.list_folder("0", within(10s));
        if (entries.size() == 2 && entries[0].is_dir && entries[1].size == 5) ++ok;
        if (--*remaining == 0) all_done->cancel();
      }, asio::detached);
    boost::system::error_code ec;
    co_await all_done->async_wait(asio::redirect_error(asio::use_awaitable, ec));
  });
  CHECK(ok == 20);
  CHECK(fake.refresh_calls == 1);
  CHECK(client.status().refreshes == 1);
  CHECK(client.status().token == TokenState::Valid);
  // What the admin page shows: where the pair came from, when it was refreshed, the calls of the day.
  CHECK(client.status().origin == TokenOrigin::Config);
  CHECK(client.status().last_refresh_at > 0);
  CHECK(client.status().calls_today >= 1);  // (>= 41 unless the day turned meanwhile)
  auto saved = store::load_token_record(store::token_file(dir.path));
  REQUIRE(saved);
  CHECK(saved->refresh_token == "refresh-2");
  CHECK(saved->access_token == "access-2");
  CHECK(saved->origin_sha256 == store::sha256_hex("refresh-0"));
  CHECK(saved->access_expires_at > 0);
  client.stop();

  // A restart with the same config resumes from the persisted pair: no refresh, no rotated-token error.
  asio::io_context io2;
  TestServer server2(io2.get_executor(), [&](const ServerRequest& r) { return fake.handle(r); });
  net::HttpClient http2(io2.get_executor());
  auto cfg2 = make_cfg(server2.base_url());
  OpenApiClient again(io2.get_executor(), http2, cfg2, dir.path.string());
  run_test(io2, [&]() -> asio::awaitable<void> {
    co_await again.start();
    auto entries = co_await again.list_folder("0", within(10s));
    CHECK(entries.size() == 2);
  });
  CHECK(again.status().origin == TokenOrigin::StateDir);
  CHECK(again.status().last_refresh_at == 0);  // none by this process
  CHECK(fake.refresh_calls == 1);
  CHECK(fake.list_auth.back() == "Bearer access-2");
  again.stop();
}

TEST_CASE("a dead refresh token means ReauthRequired: no more upstream calls until reload") {
  asio::io_context io;
  Fake fake;
  fake.refresh_error = 40140116;
  TestServer server(io.get_executor(), [&](const ServerRequest& r) { return fake.handle(r); });
  net::HttpClient http(io.get_executor());
  cloud115_test::ScratchDir dir;
  auto cfg = make_cfg(server.base_url());
  cfg.access_token.clear();  // start from the refresh token alone
  OpenApiClient client(io.get_executor(), http, cfg, dir.path.string());
  ErrorKind first = ErrorKind::Other, second = ErrorKind::Other;
  int requests_before_second = 0;
  run_test(io, [&]() -> asio::awaitable<void> {
    co_await client.start();  // does not throw
    CHECK(client.status().token == TokenState::ReauthRequired);
    try {
      co_await client.list_folder("0", within(5s));
    } catch (const ApiError& e) {
      first = e.kind;
    }
    requests_before_second = server.requests();
    try {
      co_await client.quota(within(5s));
    } catch (const ApiError& e) {
      second = e.kind;
    }
  });
  CHECK(fake.refresh_calls == 1);
  CHECK(first == ErrorKind::ReauthRequired);
  CHECK(second == ErrorKind::ReauthRequired);
  CHECK(server.requests() == requests_before_second);  // failed fast, 115 not asked
  CHECK(fake.list_calls == 0);

  // The user pastes a new refresh token and sends SIGHUP.
  fake.refresh_error = 0;
  fake.valid_refresh = "pasted";
  auto cfg2 = cfg;
  cfg2.refresh_token = "pasted";
  client.reload(cfg2);
  CHECK(client.status().token != TokenState::ReauthRequired);
  CHECK(client.status().origin == TokenOrigin::Reload);
  io.restart();
  std::size_t n = 0;
  run_test(io, [&]() -> asio::awaitable<void> { n = (co_await client.list_folder("0", within(5s))).size(); });
  CHECK(n == 2);
  CHECK(client.status().token == TokenState::Valid);
  auto saved = store::load_token_record(store::token_file(dir.path));
  REQUIRE(saved);
  CHECK(saved->origin_sha256 == store::sha256_hex("pasted"));
  client.stop();
}

TEST_CASE("770004 pauses and retries within the deadline, and fails with RateLimited beyond it") {
  asio::io_context io;
  Fake fake;
  fake.valid_access = "stale-access";  // the config's token is fine here
  fake.fail_lists_with_770004 = 1;
  TestServer server(io.get_executor(), [&](const ServerRequest& r) { return fake.handle(r); });
  net::HttpClient http(io.get_executor());
  cloud115_test::ScratchDir dir;
  auto cfg = make_cfg(server.base_url());
  OpenApiClient client(io.get_executor(), http, cfg, dir.path.string());
  std::size_t n = 0;
  ErrorKind late = ErrorKind::Other;
  std::chrono::seconds retry_after{0};
  run_test(io, [&]() -> asio::awaitable<void> {
    co_await client.start();
    n = (co_await client.list_folder("0", within(10s))).size();  // 770004, 1 s cooldown, success
    fake.fail_lists_with_770004 = 1;
    try {
      co_await client.list_folder("0", within(300ms));  // cooldown (1 s) outlasts this deadline
    } catch (const ApiError& e) {
      late = e.kind;
      retry_after = e.retry_after;
    }
  });
  CHECK(n == 2);
  CHECK(fake.list_calls == 3);
  CHECK(late == ErrorKind::RateLimited);
  CHECK(retry_after >= 1s);
  CHECK(client.status().cooling_down);
  CHECK(client.status().last_error.find("770004") != std::string::npos);
  client.stop();
}

TEST_CASE("a short-lived access token (expires_in 8 s) is used, not refreshed again before every call") {
  asio::io_context io;
  Fake fake;
  fake.expires_in = 8;
  TestServer server(io.get_executor(), [&](const ServerRequest& r) { return fake.handle(r); });
  net::HttpClient http(io.get_executor());
  cloud115_test::ScratchDir dir;
  auto cfg = make_cfg(server.base_url());
  cfg.access_token.clear();  // forces one refresh at start
  cfg.refresh_margin = 1s;
  OpenApiClient client(io.get_executor(), http, cfg, dir.path.string());
  int ok = 0;
  run_test(io, [&]() -> asio::awaitable<void> {
    co_await client.start();
    for (int i = 0; i < 5; ++i) {
      auto entries = co_await client.list_folder("0", within(5s));
      if (entries.size() == 2) ++ok;
    }
  });
  CHECK(ok == 5);
  // One refresh at start; 8 s of life minus a proportionate slack covers the five quick calls.
  CHECK(fake.refresh_calls == 1);
  CHECK(fake.list_calls == 5);
  client.stop();
}

// The token file is saved off the I/O threads and without the lock status() takes, and a failed save is
// reported (status().persist_error, so /healthz says degraded) and retried until it succeeds.
#include <catch2/catch.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <atomic>
#include <filesystem>
#include <future>
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
using dav115::test::run_test;
using test::ServerReply;
using test::ServerRequest;
using test::TestServer;

namespace {

// Rejects the config's access token once, so the first listing forces one refresh.
struct RotatingFake {
  int refreshes = 0;
  asio::awaitable<ServerReply> handle(const ServerRequest& req) {
    std::string target(req.target());
    if (target == "/open/refreshToken") {
      ++refreshes;
      co_return ServerReply{200, R"({"state":1,"code":0,"message":"","data":{"access_token":"access-new",)"
                                 R"("refresh_token":"refresh-new","expires_in":7200},"error":"","errno":0})"};
    }
    if (std::string(req["Authorization"]) != "Bearer access-new")
      co_return ServerReply{200, R"({"state":false,"code":40140125,"message":"access_token 无效"})"};
    co_return ServerReply{200, R"({"state":true,"code":0,"count":1,"cid":"0","offset":0,"data":[)"
                               R"({"fid":"12","pid":"0","fc":"1","fn":"f.txt","fs":"5","pc":"p2","upt":2}]})"};
  }
};

config::Cloud115 save_cfg(const std::string& base) {
  config::Cloud115 c;
  c.api_base = base;
  c.passport_base = base;
  c.refresh_token = "refresh-0";
  c.access_token = "stale-access";
  c.rate_limit = {1000.0, 100};
  c.request_timeout = 5000ms;
  return c;
}

CallOptions soon() { return CallOptions{Priority::Interactive, std::chrono::steady_clock::now() + 20s}; }

}  // namespace

TEST_CASE("status() answers while the new token pair is being saved, and the save is off the I/O thread") {
  asio::io_context io;
  RotatingFake fake;
  TestServer server(io.get_executor(), [&](const ServerRequest& r) { return fake.handle(r); });
  net::HttpClient http(io.get_executor());
  cloud115_test::ScratchDir dir;

  // A save of the refreshed pair blocks until released (at most 10 s, so a broken build fails, not hangs).
  std::promise<void> entered, release;
  std::shared_future<void> released = release.get_future().share();
  std::future<void> entered_future = entered.get_future();
  std::atomic<bool> blocking_armed{false};
  std::atomic<bool> saved_on_io_thread{false};
  const auto io_thread = std::this_thread::get_id();
  BlockingWork work;
  work.save_tokens = [&](const fs::path& file, const store::TokenRecord& rec) {
    if (rec.refresh_token == "refresh-new" && blocking_armed.exchange(false)) {
      saved_on_io_thread = std::this_thread::get_id() == io_thread;
      entered.set_value();
      released.wait_for(10s);
    }
    store::save_token_record(file, rec);
  };
  OpenApiClient client(io.get_executor(), http, save_cfg(server.base_url()), dir.path.string(), work);

  // Another thread (like /healthz on another I/O thread) asks for status() while the save is blocked.
  std::atomic<bool> status_answered{false};
  std::atomic<bool> token_still_old{false};
  std::thread prober([&] {
    if (entered_future.wait_for(20s) != std::future_status::ready) {
      release.set_value();
      return;
    }
    auto answer = std::async(std::launch::async, [&] { return client.status(); });
    if (answer.wait_for(5s) == std::future_status::ready) {
      status_answered = true;
      token_still_old = answer.get().refreshes == 0;  // the new pair is not in use before it is saved
    }
    release.set_value();
  });

  std::size_t listed = 0;
  run_test(io, [&]() -> asio::awaitable<void> {
    co_await client.start();
    blocking_armed = true;
    listed = (co_await client.list_folder("0", soon())).size();
  });
  prober.join();
  CHECK(status_answered);
  CHECK(token_still_old);
  CHECK_FALSE(saved_on_io_thread);
  CHECK(listed == 1);
  CHECK(fake.refreshes == 1);
  auto saved = store::load_token_record(store::token_file(dir.path));
  REQUIRE(saved);
  CHECK(saved->refresh_token == "refresh-new");
  client.stop();
}

TEST_CASE("a failed save of a new token pair is reported in status() and retried until it succeeds") {
  asio::io_context io;
  RotatingFake fake;
  TestServer server(io.get_executor(), [&](const ServerRequest& r) { return fake.handle(r); });
  net::HttpClient http(io.get_executor());
  cloud115_test::ScratchDir dir;
  std::atomic<bool> disk_broken{false};
  std::atomic<int> attempts{0};
  BlockingWork work;
  work.save_tokens = [&](const fs::path& file, const store::TokenRecord& rec) {
    ++attempts;
    if (disk_broken) throw std::runtime_error("No space left on device");
    store::save_token_record(file, rec);
  };
  OpenApiClient client(io.get_executor(), http, save_cfg(server.base_url()), dir.path.string(), work);

  std::size_t listed = 0;
  std::string error_while_broken;
  bool recovered = false;
  run_test(io, [&]() -> asio::awaitable<void> {
    co_await client.start();
    disk_broken = true;
    listed = (co_await client.list_folder("0", soon())).size();  // refreshes; the save fails
    error_while_broken = client.status().persist_error;
    const int attempts_at_failure = attempts;
    // Retries go on while the disk stays broken...
    for (int i = 0; i < 100 && attempts < attempts_at_failure + 1; ++i) {
      asio::steady_timer t(co_await asio::this_coro::executor, 100ms);
      co_await t.async_wait(asio::use_awaitable);
    }
    CHECK(attempts > attempts_at_failure);
    CHECK_FALSE(client.status().persist_error.empty());
    // ...and the next one after it is repaired succeeds.
    disk_broken = false;
    for (int i = 0; i < 250 && !client.status().persist_error.empty(); ++i) {
      asio::steady_timer t(co_await asio::this_coro::executor, 100ms);
      co_await t.async_wait(asio::use_awaitable);
    }
    recovered = client.status().persist_error.empty();
  });
  CHECK(listed == 1);  // the new pair is used from memory: the old one is dead anyway
  CHECK(error_while_broken.find("No space left on device") != std::string::npos);
  CHECK(recovered);
  auto saved = store::load_token_record(store::token_file(dir.path));
  REQUIRE(saved);
  CHECK(saved->refresh_token == "refresh-new");
  client.stop();
}

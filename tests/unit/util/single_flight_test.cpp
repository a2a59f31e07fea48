#include <catch2/catch.hpp>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <stdexcept>
#include <thread>

#include "dav115/util/single_flight.hpp"

namespace asio = boost::asio;
using dav115::util::SingleFlight;

TEST_CASE("SingleFlight runs one computation for concurrent callers of the same key") {
  asio::io_context io;
  SingleFlight<std::string, int> sf;
  std::atomic<int> runs{0};
  std::vector<int> results;
  std::mutex mu;
  for (int i = 0; i < 50; ++i) {
    asio::co_spawn(io, [&]() -> asio::awaitable<void> {
      int v = co_await sf.run("k", [&]() -> asio::awaitable<int> {
        ++runs;
        asio::steady_timer t(co_await asio::this_coro::executor, std::chrono::milliseconds(20));
        co_await t.async_wait(asio::use_awaitable);
        co_return 42;
      });
      std::lock_guard lk(mu);
      results.push_back(v);
    }, asio::detached);
  }
  std::thread other([&] { io.run(); });
  io.run();
  other.join();
  CHECK(runs == 1);
  REQUIRE(results.size() == 50);
  for (int v : results) CHECK(v == 42);
  CHECK(sf.in_flight() == 0);
}

TEST_CASE("SingleFlight shares an exception and runs again afterwards") {
  asio::io_context io;
  SingleFlight<int, int> sf;
  int failures = 0, runs = 0;
  for (int i = 0; i < 3; ++i) {
    asio::co_spawn(io, [&]() -> asio::awaitable<void> {
      try {
        co_await sf.run(1, [&]() -> asio::awaitable<int> {
          ++runs;
          asio::steady_timer t(co_await asio::this_coro::executor, std::chrono::milliseconds(10));
          co_await t.async_wait(asio::use_awaitable);
          throw std::runtime_error("boom");
        });
      } catch (const std::runtime_error&) {
        ++failures;
      }
    }, asio::detached);
  }
  io.run();
  CHECK(runs == 1);
  CHECK(failures == 3);
  io.restart();
  int v = 0;
  asio::co_spawn(io, [&]() -> asio::awaitable<void> {
    v = co_await sf.run(1, []() -> asio::awaitable<int> { co_return 7; });
  }, asio::detached);
  io.run();
  CHECK(v == 7);
}

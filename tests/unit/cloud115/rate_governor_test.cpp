#include <catch2/catch.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include "dav115/cloud115/rate_governor.hpp"

namespace asio = boost::asio;
using namespace dav115::cloud115;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

TEST_CASE("governor admits the burst at once, then paces the rest") {
  asio::io_context io;
  RateGovernor g(20.0, 3);  // 20 qps: one token every 50 ms
  std::vector<Clock::duration> admitted;
  auto t0 = Clock::now();
  for (int i = 0; i < 6; ++i)
    asio::co_spawn(io, [&]() -> asio::awaitable<void> {
      co_await g.acquire(Priority::Interactive, Clock::now() + 10s);
      admitted.push_back(Clock::now() - t0);
    }, asio::detached);
  io.run_for(10s);
  REQUIRE(admitted.size() == 6);
  // The first three needed no token wait; the last three needed at least ~3 token intervals overall.
  CHECK(admitted[2] < admitted[5]);
  CHECK(admitted[5] >= 120ms);  // 3 tokens at 50 ms each, minus timer slack
}

TEST_CASE("governor admits a waiting Interactive call before earlier Background ones") {
  asio::io_context io;
  RateGovernor g(10.0, 1);
  std::vector<std::string> order;
  auto spawn = [&](std::string name, Priority p) {
    asio::co_spawn(io, [&, name, p]() -> asio::awaitable<void> {
      co_await g.acquire(p, Clock::now() + 10s);
      order.push_back(name);
    }, asio::detached);
  };
  spawn("first", Priority::Background);  // takes the only token
  spawn("bg1", Priority::Background);
  spawn("bg2", Priority::Background);
  spawn("ia", Priority::Interactive);    // arrives last, must go right after "first"
  io.run_for(10s);
  REQUIRE(order.size() == 4);
  CHECK(order[0] == "first");
  CHECK(order[1] == "ia");
  CHECK(order[2] == "bg1");
  CHECK(order[3] == "bg2");
}

TEST_CASE("governor cooldown pauses everyone, and fails fast past the deadline") {
  asio::io_context io;
  RateGovernor g(100.0, 5);
  g.pause_until(Clock::now() + 300ms);
  bool admitted_after_pause = false;
  bool refused = false;
  std::chrono::seconds retry_after{0};
  auto t0 = Clock::now();
  asio::co_spawn(io, [&]() -> asio::awaitable<void> {
    co_await g.acquire(Priority::Interactive, Clock::now() + 5s);
    admitted_after_pause = Clock::now() - t0 >= 250ms;
  }, asio::detached);
  asio::co_spawn(io, [&]() -> asio::awaitable<void> {
    try {
      co_await g.acquire(Priority::Interactive, Clock::now() + 50ms);
    } catch (const ApiError& e) {
      refused = e.kind == ErrorKind::RateLimited;
      retry_after = e.retry_after;
    }
  }, asio::detached);
  io.run_for(10s);
  CHECK(admitted_after_pause);
  CHECK(refused);
  CHECK(retry_after >= 1s);
  CHECK(g.waiting() == 0);
}

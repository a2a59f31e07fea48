// Many flights with many followers on an 8-thread io_context without strands: the setup in which a
// follower used to miss its wake-up (the leader's cancel ran before the follower's async_wait started)
// and hung for ever. Uses only run(key, fn), so it also compiles against that old header.
#include <catch2/catch.hpp>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <thread>
#include <vector>

#include "dav115/util/single_flight.hpp"
#include "support/process.hpp"

namespace asio = boost::asio;
using dav115::util::SingleFlight;

TEST_CASE("SingleFlight wakes every follower on an 8-thread pool without strands") {
  constexpr int kKeys = 64;
  constexpr int kRounds = 60;           // flights per key, one after the other
  constexpr int kCallersPerFlight = 24;  // one leader and up to 23 followers
  constexpr int kTotal = kKeys * kRounds * kCallersPerFlight;

  asio::io_context io;
  auto work = asio::make_work_guard(io);
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) threads.emplace_back([&] { io.run(); });

  SingleFlight<int, int> sf;
  std::atomic<int> runs{0}, done{0}, wrong{0};
  // One driver per key: each round spawns the callers of one flight and waits until all of them are
  // answered, so a lost wake-up stalls that key instead of being hidden by later traffic.
  for (int key = 0; key < kKeys; ++key) {
    asio::co_spawn(io, [&, key]() -> asio::awaitable<void> {
      auto ex = co_await asio::this_coro::executor;
      for (int round = 0; round < kRounds; ++round) {
        auto answered = std::make_shared<std::atomic<int>>(0);
        for (int c = 0; c < kCallersPerFlight; ++c) {
          asio::co_spawn(ex, [&, key, answered]() -> asio::awaitable<void> {
            // Named: the old run() held fn by reference across suspensions.
            auto fn = [&, key]() -> asio::awaitable<int> {
              ++runs;
              // Yield a few times so followers pile up, then finish on whichever thread runs us.
              for (int y = 0; y < 1 + key % 3; ++y) {
                auto yielding = asio::post(co_await asio::this_coro::executor, asio::use_awaitable);
                co_await std::move(yielding);
              }
              co_return key * 7;
            };
            auto running = sf.run(key, fn);
            int v = co_await std::move(running);
            if (v != key * 7) ++wrong;
            ++done;
            ++*answered;
          }, asio::detached);
        }
        while (*answered < kCallersPerFlight) {
          auto yielding = asio::post(ex, asio::use_awaitable);
          co_await std::move(yielding);
        }
      }
    }, asio::detached);
  }

  // Generous bound for a loaded machine; the oracle is that every caller is answered.
  bool all = dav115::test::wait_until([&] { return done == kTotal; }, std::chrono::seconds(120));
  io.stop();
  for (auto& t : threads) t.join();
  INFO("answered " << done << " of " << kTotal << " callers with " << runs << " upstream runs");
  CHECK(all);
  CHECK(wrong == 0);
  CHECK(runs < kTotal);  // followers did share flights
  CHECK(sf.in_flight() == 0);
}

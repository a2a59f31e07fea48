#include <catch2/catch.hpp>

#include <atomic>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <optional>
#include <stdexcept>
#include <thread>

#include "dav115/util/single_flight.hpp"

namespace asio = boost::asio;
using dav115::util::FlightError;
using dav115::util::SingleFlight;
using Clock = std::chrono::steady_clock;

namespace {

// The leader's upstream call in these tests: suspends until the test opens the gate (or cancels the wait).
asio::awaitable<void> wait_for_gate(asio::steady_timer& gate) {
  boost::system::error_code ec;
  co_await gate.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  if (ec && ec != asio::error::operation_aborted) throw boost::system::system_error(ec);
}

// Runs `io` one handler at a time until `pred` holds; the time bound only guards against a hang.
template <class Pred>
bool run_until(asio::io_context& io, Pred pred) {
  auto give_up = Clock::now() + std::chrono::seconds(60);
  while (!pred() && Clock::now() < give_up) {
    io.restart();
    io.run_one_for(std::chrono::milliseconds(100));
  }
  return pred();
}

}  // namespace

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
      } catch (const std::runtime_error& e) {
        if (std::string(e.what()) == "boom") ++failures;
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

TEST_CASE("SingleFlight copies its key and work: temporaries may die before the flight ends") {
  asio::io_context io;
  SingleFlight<std::string, std::string> sf;
  asio::steady_timer gate(io, Clock::time_point::max());
  std::vector<std::string> got;
  for (int i = 0; i < 3; ++i) {
    asio::co_spawn(io, [&]() -> asio::awaitable<void> {
      // Key and lambda are temporaries that die at the end of this statement, before the flight ends.
      auto running = sf.run(std::string("folder-") + "1", [&, tag = std::string(100, 'x')]() -> asio::awaitable<std::string> {
        co_await wait_for_gate(gate);
        co_return tag;
      });
      got.push_back(co_await std::move(running));
    }, asio::detached);
  }
  io.poll();  // all three join and suspend
  REQUIRE(sf.in_flight() == 1);
  gate.cancel();
  io.restart();
  io.run_for(std::chrono::seconds(30));
  REQUIRE(got.size() == 3);
  for (auto& s : got) CHECK(s == std::string(100, 'x'));
}

TEST_CASE("a follower waits until its own deadline; the flight goes on for the others") {
  asio::io_context io;
  SingleFlight<std::string, int> sf;
  asio::steady_timer gate(io, Clock::time_point::max());
  int runs = 0;
  std::optional<int> leader_value, patient_value;
  bool hasty_timed_out = false, hasty_done = false;
  Clock::time_point hasty_deadline{}, hasty_gave_up{};
  auto work = [&]() -> asio::awaitable<int> {
    ++runs;
    co_await wait_for_gate(gate);
    co_return 5;
  };
  // The leader's own deadline is far away (a background flight), the hasty follower's is near.
  asio::co_spawn(io, [&]() -> asio::awaitable<void> {
    auto running = sf.run("k", work, Clock::now() + std::chrono::hours(1));
    leader_value = co_await std::move(running);
  }, asio::detached);
  asio::co_spawn(io, [&]() -> asio::awaitable<void> {
    hasty_deadline = Clock::now() + std::chrono::milliseconds(50);
    try {
      auto running = sf.run("k", work, hasty_deadline);
      co_await std::move(running);
    } catch (const FlightError& e) {
      hasty_timed_out = e.kind == FlightError::Kind::Timeout;
      hasty_gave_up = Clock::now();
    }
    hasty_done = true;
  }, asio::detached);
  asio::co_spawn(io, [&]() -> asio::awaitable<void> {
    auto running = sf.run("k", work, Clock::now() + std::chrono::hours(1));
    patient_value = co_await std::move(running);
  }, asio::detached);

  // The hasty follower gives up on its own while the gate is still shut.
  REQUIRE(run_until(io, [&] { return hasty_done; }));
  CHECK(hasty_timed_out);
  CHECK(hasty_gave_up >= hasty_deadline);
  CHECK_FALSE(leader_value);
  CHECK_FALSE(patient_value);
  CHECK(sf.in_flight() == 1);

  gate.cancel();
  io.restart();
  io.run_for(std::chrono::seconds(30));
  CHECK(leader_value == 5);
  CHECK(patient_value == 5);
  CHECK(runs == 1);
  CHECK(sf.in_flight() == 0);
}

TEST_CASE("a follower whose deadline has already passed still gets a result that is ready") {
  asio::io_context io;
  SingleFlight<int, int> sf;
  std::optional<int> v;
  asio::co_spawn(io, [&]() -> asio::awaitable<void> {
    auto running = sf.run(1, []() -> asio::awaitable<int> { co_return 3; }, Clock::now() - std::chrono::seconds(1));
    v = co_await std::move(running);  // the leader runs inline: its deadline is fn's business
  }, asio::detached);
  io.run_for(std::chrono::seconds(30));
  CHECK(v == 3);
}

TEST_CASE("a leader destroyed mid-flight: a follower leads a new flight for the others") {
  auto leader_io = std::make_unique<asio::io_context>();
  asio::io_context io;
  SingleFlight<int, int> sf;
  bool leader_finished = false;
  asio::co_spawn(*leader_io, [&]() -> asio::awaitable<void> {
    auto running = sf.run(1, [&]() -> asio::awaitable<int> {
      asio::steady_timer never(co_await asio::this_coro::executor, Clock::time_point::max());
      co_await never.async_wait(asio::use_awaitable);
      co_return 1;
    });
    co_await std::move(running);
    leader_finished = true;
  }, asio::detached);
  leader_io->poll();  // the leader suspends inside its work
  REQUIRE(sf.in_flight() == 1);

  std::atomic<int> abandoned{0}, other{0};
  for (int i = 0; i < 5; ++i) {
    asio::co_spawn(io, [&]() -> asio::awaitable<void> {
      try {
        auto running = sf.run(1, []() -> asio::awaitable<int> { co_return 2; });
        co_await std::move(running);
        ++other;
      } catch (const FlightError& e) {
        if (e.kind == FlightError::Kind::Abandoned) ++abandoned;
        else ++other;
      }
    }, asio::detached);
  }
  io.poll();  // the followers join and suspend
  CHECK(abandoned == 0);

  leader_io.reset();  // shutdown destroys the suspended leader's coroutine frame
  io.restart();
  io.run_for(std::chrono::seconds(30));
  CHECK_FALSE(leader_finished);
  CHECK(abandoned == 0);
  CHECK(other == 5);  // the followers' own work ran (once) and all five got its result
  CHECK(sf.in_flight() == 0);

  std::optional<int> v;
  asio::co_spawn(io, [&]() -> asio::awaitable<void> {
    auto running = sf.run(1, []() -> asio::awaitable<int> { co_return 9; });
    v = co_await std::move(running);
  }, asio::detached);
  io.restart();
  io.run_for(std::chrono::seconds(30));
  CHECK(v == 9);
}

TEST_CASE("a cancelled leader stops its own wait only: the followers still get a result, from one new flight") {
  asio::io_context io;
  SingleFlight<int, int> sf;
  asio::steady_timer gate(io, Clock::time_point::max());
  asio::cancellation_signal cancel_leader;
  std::exception_ptr leader_error;
  bool leader_done = false;
  asio::co_spawn(io, [&]() -> asio::awaitable<void> {
    auto running = sf.run(1, [&]() -> asio::awaitable<int> {
      co_await gate.async_wait(asio::use_awaitable);  // throws operation_aborted when cancelled
      co_return 1;
    });
    co_await std::move(running);
  }, asio::bind_cancellation_slot(cancel_leader.slot(), [&](std::exception_ptr e) {
    leader_error = e;
    leader_done = true;
  }));
  int abandoned = 0, got_value = 0, runs = 0;
  for (int i = 0; i < 3; ++i) {
    asio::co_spawn(io, [&]() -> asio::awaitable<void> {
      try {
        auto running = sf.run(1, [&]() -> asio::awaitable<int> {
          ++runs;
          // Still running when the other woken followers look for the flight, as real upstream calls are.
          co_await asio::post(co_await asio::this_coro::executor, asio::use_awaitable);
          co_return 2;
        });
        if (co_await std::move(running) == 2) ++got_value;
      } catch (const FlightError& e) {
        if (e.kind == FlightError::Kind::Abandoned) ++abandoned;
      }
    }, asio::detached);
  }
  io.poll();
  REQUIRE(sf.in_flight() == 1);
  cancel_leader.emit(asio::cancellation_type::terminal);
  io.restart();
  io.run_for(std::chrono::seconds(30));
  REQUIRE(leader_done);
  REQUIRE(leader_error);
  try {
    std::rethrow_exception(leader_error);
  } catch (const boost::system::system_error& e) {
    CHECK(e.code() == asio::error::operation_aborted);  // the leader learns of its own cancellation
  }
  CHECK(abandoned == 0);
  CHECK(got_value == 3);
  CHECK(runs == 1);  // one follower led the new flight, the other two joined it
  CHECK(sf.in_flight() == 0);
}

TEST_CASE("a cancelled follower stops waiting; the others still get the result") {
  asio::io_context io;
  SingleFlight<int, int> sf;
  asio::steady_timer gate(io, Clock::time_point::max());
  asio::cancellation_signal cancel_follower;
  std::optional<int> leader_value, other_value;
  bool follower_aborted = false;
  auto work = [&]() -> asio::awaitable<int> {
    co_await wait_for_gate(gate);
    co_return 4;
  };
  asio::co_spawn(io, [&]() -> asio::awaitable<void> {
    auto running = sf.run(1, work);
    leader_value = co_await std::move(running);
  }, asio::detached);
  asio::co_spawn(io, [&]() -> asio::awaitable<void> {
    auto running = sf.run(1, work);
    co_await std::move(running);
  }, asio::bind_cancellation_slot(cancel_follower.slot(), [&](std::exception_ptr e) {
    try {
      if (e) std::rethrow_exception(e);
    } catch (const boost::system::system_error& se) {
      follower_aborted = se.code() == asio::error::operation_aborted;
    }
  }));
  asio::co_spawn(io, [&]() -> asio::awaitable<void> {
    auto running = sf.run(1, work);
    other_value = co_await std::move(running);
  }, asio::detached);
  io.poll();
  cancel_follower.emit(asio::cancellation_type::terminal);
  REQUIRE(run_until(io, [&] { return follower_aborted; }));
  CHECK_FALSE(leader_value);
  gate.cancel();
  io.restart();
  io.run_for(std::chrono::seconds(30));
  CHECK(leader_value == 4);
  CHECK(other_value == 4);
}

TEST_CASE("followers whose deadlines race the result on 4 threads each get the value or a timeout") {
  constexpr int kFlights = 400, kCallers = 16;
  asio::io_context io;
  SingleFlight<int, int> sf;
  std::atomic<int> values{0}, timeouts{0}, other{0};
  for (int f = 0; f < kFlights; ++f) {
    for (int c = 0; c < kCallers; ++c) {
      asio::co_spawn(io, [&, f, c]() -> asio::awaitable<void> {
        try {
          // Deadlines from already passed to 2 ms away: some expire just as the result is published.
          auto running = sf.run(f, [f]() -> asio::awaitable<int> {
            asio::steady_timer t(co_await asio::this_coro::executor, std::chrono::microseconds(500 + f % 1000));
            co_await t.async_wait(asio::use_awaitable);
            co_return f;
          }, Clock::now() + std::chrono::microseconds(c * 150 - 300));
          int v = co_await std::move(running);
          if (v == f) ++values;
          else ++other;
        } catch (const FlightError& e) {
          if (e.kind == FlightError::Kind::Timeout) ++timeouts;
          else ++other;
        } catch (...) {
          ++other;
        }
      }, asio::detached);
    }
  }
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) threads.emplace_back([&] { io.run_for(std::chrono::seconds(120)); });
  for (auto& t : threads) t.join();
  INFO(values << " values, " << timeouts << " timeouts");
  CHECK(values + timeouts == kFlights * kCallers);
  CHECK(values >= kFlights);  // every leader at least
  CHECK(other == 0);
  CHECK(sf.in_flight() == 0);
}

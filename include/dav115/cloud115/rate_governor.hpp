#pragma once
// The single gate every 115 call passes: a token bucket (steady qps, some burst), a priority queue
// (an Interactive caller is admitted before any waiting Background one), and a global cooldown that
// pauses everybody after a rate-limit signal. Thread-safe.
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <set>
#include <utility>

#include "dav115/cloud115/types.hpp"

namespace dav115::cloud115 {

class RateGovernor {
 public:
  using Clock = std::chrono::steady_clock;

  RateGovernor(double qps, int burst);

  // Waits for admission. Throws ApiError{RateLimited, retry_after} when admission cannot come before
  // `deadline` (computed up front: no point in waiting for a slot the caller cannot use).
  boost::asio::awaitable<void> acquire(Priority priority, Clock::time_point deadline);

  // Pauses all admissions until `until` (extends, never shortens, a running pause).
  void pause_until(Clock::time_point until);
  Clock::time_point paused_until() const;
  void set_rate(double qps, int burst);

  std::size_t waiting() const;

 private:
  using Ticket = std::pair<int, std::uint64_t>;  // (priority, arrival): lower goes first

  // Under mu_: when the ticket could be admitted, given the bucket and who is ahead of it.
  Clock::time_point admission_time_locked(const Ticket& t, Clock::time_point now);
  void refill_locked(Clock::time_point now);

  mutable std::mutex mu_;
  double qps_;
  double burst_;
  double tokens_;
  Clock::time_point last_refill_;
  Clock::time_point paused_until_{};
  std::uint64_t next_seq_ = 0;
  std::set<Ticket> queue_;
};

}  // namespace dav115::cloud115

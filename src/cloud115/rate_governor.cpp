#include "dav115/cloud115/rate_governor.hpp"

#include <algorithm>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cmath>

namespace dav115::cloud115 {

namespace asio = boost::asio;

RateGovernor::RateGovernor(double qps, int burst)
    : qps_(qps > 0 ? qps : 1.0), burst_(std::max(1, burst)), tokens_(burst_), last_refill_(Clock::now()) {}

void RateGovernor::refill_locked(Clock::time_point now) {
  if (now <= last_refill_) return;
  double secs = std::chrono::duration<double>(now - last_refill_).count();
  tokens_ = std::min(burst_, tokens_ + secs * qps_);
  last_refill_ = now;
}

RateGovernor::Clock::time_point RateGovernor::admission_time_locked(const Ticket& t, Clock::time_point now) {
  refill_locked(now);
  // Every ticket ahead of this one needs a token first. The bucket keeps filling during a pause,
  // so a pause only sets a floor on the estimate.
  double ahead = static_cast<double>(std::distance(queue_.begin(), queue_.find(t)));
  double missing = ahead + 1 - tokens_;
  auto at = now;
  if (missing > 0) at += std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(missing / qps_));
  return std::max(at, paused_until_);
}

asio::awaitable<void> RateGovernor::acquire(Priority priority, Clock::time_point deadline) {
  auto ex = co_await asio::this_coro::executor;
  Ticket ticket;
  {
    std::lock_guard lk(mu_);
    ticket = {priority == Priority::Interactive ? 0 : 1, next_seq_++};
    queue_.insert(ticket);
  }
  struct Leave {  // the ticket leaves the queue however acquire() ends
    RateGovernor* g;
    Ticket t;
    ~Leave() {
      std::lock_guard lk(g->mu_);
      g->queue_.erase(t);
    }
  } leave{this, ticket};

  asio::steady_timer timer(ex);
  for (int rounds = 0; rounds < 100000; ++rounds) {
    Clock::time_point at;
    {
      std::lock_guard lk(mu_);
      auto now = Clock::now();
      at = admission_time_locked(ticket, now);
      if (at <= now && *queue_.begin() == ticket && tokens_ >= 1) {
        tokens_ -= 1;
        co_return;
      }
      if (at > deadline) {
        auto secs = std::chrono::ceil<std::chrono::seconds>(at - now);
        throw ApiError(ErrorKind::RateLimited, 0, paused_until_ > now ? "upstream cooling down" : "upstream call queue full",
                       std::max(secs, std::chrono::seconds(1)));
      }
      if (at <= now) at = now + std::chrono::milliseconds(1);  // tiny rounding gap: look again shortly
    }
    // Wake at the estimated slot; arrivals with higher priority may push it back, so re-check then.
    timer.expires_at(at);
    co_await timer.async_wait(asio::use_awaitable);
  }
  throw ApiError(ErrorKind::Unavailable, 0, "rate governor gave up");
}

void RateGovernor::pause_until(Clock::time_point until) {
  std::lock_guard lk(mu_);
  paused_until_ = std::max(paused_until_, until);
}

RateGovernor::Clock::time_point RateGovernor::paused_until() const {
  std::lock_guard lk(mu_);
  return paused_until_;
}

void RateGovernor::set_rate(double qps, int burst) {
  std::lock_guard lk(mu_);
  refill_locked(Clock::now());
  qps_ = qps > 0 ? qps : 1.0;
  burst_ = std::max(1, burst);
  tokens_ = std::min(tokens_, burst_);
}

std::size_t RateGovernor::waiting() const {
  std::lock_guard lk(mu_);
  return queue_.size();
}

}  // namespace dav115::cloud115

#include "rate_limit.hpp"

#include <algorithm>

namespace dav115::fake115 {
namespace {
std::int64_t today() {
  using namespace std::chrono;
  return duration_cast<hours>(system_clock::now().time_since_epoch()).count() / 24;
}
}  // namespace

RateLimiter::RateLimiter(double qps, double burst, std::int64_t daily_quota)
    : qps_(qps), burst_(burst), tokens_(burst), daily_quota_(daily_quota), day_(today()), last_(Clock::now()) {}

void RateLimiter::configure(double qps, double burst, std::int64_t daily_quota) {
  std::lock_guard lk(mu_);
  qps_ = qps;
  burst_ = burst;
  tokens_ = std::min(tokens_, burst_);
  daily_quota_ = daily_quota;
}

Throttle RateLimiter::admit() {
  std::lock_guard lk(mu_);
  if (auto d = today(); d != day_) {
    day_ = d;
    used_today_ = 0;
  }
  // The quota counts every call that reaches the service, refused or not: being throttled is no free pass.
  ++used_today_;
  if (daily_quota_ > 0 && used_today_ > daily_quota_) return Throttle::QuotaExhausted;
  const auto now = Clock::now();
  tokens_ = std::min(burst_, tokens_ + std::chrono::duration<double>(now - last_).count() * qps_);
  last_ = now;
  if (tokens_ < 1.0) return Throttle::TooFast;
  tokens_ -= 1.0;
  return Throttle::None;
}

std::int64_t RateLimiter::used_today() const {
  std::lock_guard lk(mu_);
  return used_today_;
}

}  // namespace dav115::fake115

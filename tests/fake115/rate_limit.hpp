#pragma once
// 115-style throttling of proapi calls: a token bucket (→ 770004) and a daily quota (→ 406).
#include <chrono>
#include <cstdint>
#include <mutex>

namespace dav115::fake115 {

enum class Throttle { None, TooFast, QuotaExhausted };

class RateLimiter {
 public:
  RateLimiter(double qps, double burst, std::int64_t daily_quota);
  // Counts one call; says whether it must be refused.
  Throttle admit();
  void configure(double qps, double burst, std::int64_t daily_quota);
  std::int64_t used_today() const;

 private:
  using Clock = std::chrono::steady_clock;
  mutable std::mutex mu_;
  double qps_, burst_, tokens_;
  std::int64_t daily_quota_;
  std::int64_t used_today_ = 0;
  std::int64_t day_ = 0;  // days since the epoch (UTC) the count belongs to
  Clock::time_point last_;
};

}  // namespace dav115::fake115

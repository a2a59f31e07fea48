#pragma once
// A count that starts again at 0 every calendar day of a fixed UTC offset: 115's API calls "today",
// shown on the admin page next to the daily quota 115 is reported to enforce. Thread-safe.
#include <cstdint>
#include <mutex>

namespace dav115::util {

class DailyCounter {
 public:
  // `utc_offset_seconds`: where the day boundary lies (115 is in China: UTC+8).
  explicit DailyCounter(std::int64_t utc_offset_seconds = 8 * 3600) : offset_(utc_offset_seconds) {}

  void add(std::int64_t now_unix, std::uint64_t n = 1) {
    std::lock_guard lk(mu_);
    roll(now_unix);
    count_ += n;
  }
  // The count of the day `now_unix` falls in (0 when nothing was added that day).
  std::uint64_t today(std::int64_t now_unix) const {
    std::lock_guard lk(mu_);
    return day_of(now_unix) == day_ ? count_ : 0;
  }

 private:
  std::int64_t day_of(std::int64_t t) const {
    const std::int64_t local = t + offset_;
    return local >= 0 ? local / 86400 : (local - 86399) / 86400;  // floor, also before 1970
  }
  void roll(std::int64_t now) {
    const auto d = day_of(now);
    if (d != day_) {
      day_ = d;
      count_ = 0;
    }
  }

  mutable std::mutex mu_;
  std::int64_t offset_;
  std::int64_t day_ = INT64_MIN;
  std::uint64_t count_ = 0;
};

}  // namespace dav115::util

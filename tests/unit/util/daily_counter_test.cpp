// DailyCounter: counts within one day of the configured offset and starts again at its midnight.
#include <catch2/catch.hpp>

#include "dav115/util/daily_counter.hpp"

using dav115::util::DailyCounter;

TEST_CASE("DailyCounter starts again at midnight UTC+8, not at midnight UTC") {
  DailyCounter c;  // UTC+8
  // 2026-11-30 15:59:59 UTC = 23:59:59 in UTC+8.
  const std::int64_t before_midnight = 1796054399;
  CHECK(c.today(before_midnight) == 0);
  c.add(before_midnight);
  c.add(before_midnight, 2);
  CHECK(c.today(before_midnight) == 3);
  CHECK(c.today(before_midnight + 1) == 0);  // 00:00:00 in UTC+8: a new day, though still Nov 30 in UTC
  c.add(before_midnight + 1);
  CHECK(c.today(before_midnight + 1) == 1);
  CHECK(c.today(before_midnight + 86400) == 1);
  CHECK(c.today(before_midnight + 86401) == 0);
}

TEST_CASE("DailyCounter with offset 0 follows the UTC day") {
  DailyCounter c(0);
  c.add(86400 * 10 + 5);
  CHECK(c.today(86400 * 11 - 1) == 1);
  CHECK(c.today(86400 * 11) == 0);
}

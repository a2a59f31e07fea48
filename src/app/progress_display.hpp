#pragma once
// Progress of `dav115 index warm` on stderr (private to src/app/): on a terminal one bar redrawn in
// place; otherwise plain lines, at most one a second (logs and cron mails stay short).
#include <chrono>
#include <cstdio>
#include <string>

#include "warm_run.hpp"

namespace dav115::app {

class WarmProgressDisplay {
 public:
  // `qps`: the configured rate, the floor of the ETA.
  WarmProgressDisplay(std::FILE* out, double qps);
  void update(const WarmProgress& p);  // throttled
  void finish(const WarmProgress& p);  // the last state, always shown; ends the bar's line

  // "2h05m", "3m20s", "12s" (public for the summary).
  static std::string duration(std::chrono::seconds s);
  static std::string line(const WarmProgress& p, bool bar, double qps);

 private:
  void show(const WarmProgress& p);
  std::FILE* out_;
  bool tty_;
  std::chrono::steady_clock::time_point last_{};
  double qps_;
  std::string last_text_;  // a final state already shown as a line is not repeated
};

}  // namespace dav115::app

#include "progress_display.hpp"

#include <unistd.h>

#include <algorithm>

namespace dav115::app {

namespace {

// A bar is cheap to redraw, but more than a few times a second only flickers.
constexpr auto kBarInterval = std::chrono::milliseconds(200);
constexpr auto kLineInterval = std::chrono::seconds(1);
constexpr int kBarWidth = 24;

// Remaining folders at the pace of the upstream listings so far (folders taken from the index cost
// nothing, so they do not count), and never faster than their calls at the configured rate (the
// first folders go out in the governor's burst); unknown until one folder was listed.
std::string eta(const WarmProgress& p, double qps) {
  if (p.folders_known <= p.folders_done) return "0s";
  if (p.folders_listed == 0) return "?";
  const double left = static_cast<double>(p.folders_known - p.folders_done);
  const double observed = std::chrono::duration<double>(p.listing_time).count() / p.folders_listed * left;
  const double calls_per_folder = static_cast<double>(p.calls) / p.folders_listed;
  const double at_rate = qps > 0 ? calls_per_folder * left / qps : 0;
  return WarmProgressDisplay::duration(std::chrono::seconds(static_cast<std::int64_t>(std::max(observed, at_rate))));
}

}  // namespace

WarmProgressDisplay::WarmProgressDisplay(std::FILE* out, double qps)
    : out_(out), tty_(isatty(fileno(out)) == 1), qps_(qps) {}

std::string WarmProgressDisplay::duration(std::chrono::seconds s) {
  const auto h = s.count() / 3600, m = (s.count() % 3600) / 60, sec = s.count() % 60;
  char buf[48];
  if (h > 0)
    std::snprintf(buf, sizeof buf, "%lldh%02lldm", static_cast<long long>(h), static_cast<long long>(m));
  else if (m > 0)
    std::snprintf(buf, sizeof buf, "%lldm%02llds", static_cast<long long>(m), static_cast<long long>(sec));
  else
    std::snprintf(buf, sizeof buf, "%llds", static_cast<long long>(sec));
  return buf;
}

std::string WarmProgressDisplay::line(const WarmProgress& p, bool bar, double qps) {
  std::string text;
  if (bar) {
    // The known total grows as folders are found, so the bar can move back a little: it is a guide.
    const double share = p.folders_known ? static_cast<double>(p.folders_done) / p.folders_known : 0;
    const int filled = std::clamp(static_cast<int>(share * kBarWidth), 0, kBarWidth);
    text = "[" + std::string(filled, '#') + std::string(kBarWidth - filled, '-') + "] ";
  } else {
    text = "warm: ";
  }
  text += std::to_string(p.folders_done) + "/" + std::to_string(p.folders_known) + " folders, " +
          std::to_string(p.calls) + " calls, " + std::to_string(p.entries) + " entries";
  if (p.skipped) text += ", " + std::to_string(p.skipped) + " skipped";
  text += ", ETA " + eta(p, qps);
  return text;
}

void WarmProgressDisplay::show(const WarmProgress& p) {
  last_text_ = line(p, tty_, qps_);
  if (tty_)
    std::fprintf(out_, "\r%s\x1b[K", last_text_.c_str());  // erase what a longer line left behind
  else
    std::fprintf(out_, "%s\n", last_text_.c_str());
  std::fflush(out_);
}

void WarmProgressDisplay::update(const WarmProgress& p) {
  const auto now = std::chrono::steady_clock::now();
  if (!last_text_.empty() && now - last_ < (tty_ ? std::chrono::steady_clock::duration(kBarInterval) : kLineInterval)) return;
  last_ = now;
  show(p);
}

void WarmProgressDisplay::finish(const WarmProgress& p) {
  if (tty_ || line(p, false, qps_) != last_text_) show(p);
  if (tty_) std::fputc('\n', out_);
  std::fflush(out_);
}

}  // namespace dav115::app

#include "request_record.hpp"

#include "dav115/util/http_dates.hpp"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <array>
#include <atomic>
#include <tuple>
#include <ctime>
#include <mutex>
#include <string_view>

#include "dav115/util/metrics.hpp"
#include "request_checks.hpp"

namespace dav115::http::detail {
namespace {

// Metric labels must stay a small set: unknown methods are folded into one.
constexpr std::array<std::string_view, 13> kKnownMethods = {
    "GET", "HEAD", "OPTIONS", "PROPFIND", "PROPPATCH", "PUT", "DELETE",
    "MKCOL", "COPY", "MOVE", "LOCK", "UNLOCK", "POST"};

std::string method_label(std::string_view m) {
  for (auto k : kKnownMethods)
    if (k == m) return std::string(m);
  return "OTHER";
}

// dav115_http_requests_total{method,status}: each series looked up once, then added to without a lock
// (this runs for every request, on every I/O thread).
std::atomic<double>& requests_counter(std::string_view method, unsigned status) {
  constexpr std::size_t kMethods = std::tuple_size_v<decltype(kKnownMethods)> + 1;  // + OTHER
  constexpr unsigned kStatuses = 1000;
  static std::array<std::atomic<std::atomic<double>*>, kMethods * kStatuses> cache{};
  std::size_t m = 0;
  while (m < kKnownMethods.size() && kKnownMethods[m] != method) ++m;
  const unsigned st = status < kStatuses ? status : 0;
  auto& slot = cache[m * kStatuses + st];
  if (auto* c = slot.load(std::memory_order_acquire)) return *c;
  auto* c = &util::Metrics::global().counter("dav115_http_requests_total",
                                             {{"method", method_label(method)}, {"status", std::to_string(status)}});
  slot.store(c, std::memory_order_release);
  return *c;
}

}  // namespace

void describe_http_metrics() {
  auto& m = util::Metrics::global();
  m.describe("dav115_http_requests_total", "counter", "HTTP requests answered, by method and status.");
  m.describe("dav115_http_request_duration_seconds_sum", "counter", "Total time spent answering HTTP requests.");
  m.describe("dav115_http_request_duration_seconds_count", "counter", "Number of timed HTTP requests.");
  m.describe("dav115_http_connections_active", "gauge", "Open client connections.");
  m.describe("dav115_http_connections_rejected_per_ip_total", "counter",
             "Connections refused because their address held limits.max_connections_per_ip already.");
  m.describe("dav115_http_requests_cancelled_total", "counter",
             "Requests whose handler was cancelled because the client closed the connection first.");
}

void record_request(spdlog::logger* log, const RequestRecord& r) {
  double seconds = std::chrono::duration<double>(r.duration).count();
  requests_counter(r.method, r.status) += 1;
  static std::atomic<double>& duration_sum = util::Metrics::global().counter("dav115_http_request_duration_seconds_sum");
  static std::atomic<double>& duration_count =
      util::Metrics::global().counter("dav115_http_request_duration_seconds_count");
  duration_sum += seconds;
  duration_count += 1;
  if (!log) return;
  log->info("{} {} \"{} {}\" {} {} {:.1f}ms \"{}\"", r.client_address, r.user.empty() ? "-" : sanitize_for_log(r.user, 64),
            sanitize_for_log(r.method, 32), redact_target(r.target), r.status, r.bytes_sent, seconds * 1000.0,
            sanitize_for_log(r.user_agent, 256));
}

std::string http_date() { return util::format_http_date(std::time(nullptr)); }

std::shared_ptr<spdlog::logger> access_logger(const std::string& setting) {
  static std::mutex mu;  // two servers starting at once must not both create "access"
  std::lock_guard lk(mu);
  if (setting.empty()) return nullptr;
  if (auto existing = spdlog::get("access")) return existing;
  std::shared_ptr<spdlog::logger> log;
  if (setting == "-") log = spdlog::stderr_color_mt("access");
  else log = spdlog::basic_logger_mt("access", setting);
  log->set_pattern("[%Y-%m-%d %H:%M:%S.%e] [access] %v");
  // One write per line, as nginx does without `buffer=`: a line is on disk when its request is done,
  // and none is lost when the process is killed or exits without flushing.
  log->flush_on(spdlog::level::info);
  return log;
}

}  // namespace dav115::http::detail

#pragma once
// After each response: one access-log line and the per-request metrics.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace spdlog { class logger; }

namespace dav115::http::detail {

struct RequestRecord {
  std::string client_address;
  std::string user;
  std::string method;     // "-" when the request line could not be parsed
  std::string target;     // raw; redacted here
  unsigned status = 0;
  std::uint64_t bytes_sent = 0;
  std::chrono::steady_clock::duration duration{};
  std::string user_agent;
};

// `log` may be null (access log off); metrics are always counted.
void record_request(spdlog::logger* log, const RequestRecord& r);

// Registers the help text of the metrics this layer emits (idempotent).
void describe_http_metrics();

// IMF-fixdate for the Date header, e.g. "Sun, 06 Nov 1994 08:49:37 GMT".
std::string http_date();

// The "access" logger configured from cfg.access_log ("-" stderr, "" off, else a file), or the one
// the application already registered under that name.
std::shared_ptr<spdlog::logger> access_logger(const std::string& access_log_setting);

}  // namespace dav115::http::detail

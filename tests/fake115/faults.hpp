#pragma once
// Injected failures: set at start by flags and at run time by POST /__control. Thread-safe.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>

namespace dav115::fake115 {

enum class FaultMode {
  RateLimited,  // "770004": the JSON rate-limit answer
  Quota,        // "406": the JSON daily-quota answer
  Waf,          // "waf": HTTP 405 with an HTML page, like 115's web application firewall
  Empty,        // "empty": HTTP 200 with an empty body
  Garbage,      // "garbage": HTTP 200 with a body that is not JSON
  Reset,        // "reset": the connection is closed (RST) without an answer
};

std::optional<FaultMode> parse_fault_mode(const std::string& s);
std::string to_string(FaultMode m);

class Faults {
 public:
  // The next `count` calls to `path` ("*" = any API path) fail with `mode`.
  void add_rule(std::string path, FaultMode mode, int count);
  // Consumes one failure for this path, if any is pending.
  std::optional<FaultMode> take(const std::string& path);
  void set_latency_ms(int ms);
  int latency_ms() const;
  // Delay of passport answers (token refresh), applied AFTER the request took effect: the dangerous
  // case where 115 has rotated the pair but the answer has not reached the client yet.
  void set_passport_latency_ms(int ms);
  int passport_latency_ms() const;
  // The next `count` CDN downloads are cut after `after_bytes` body bytes.
  void set_cdn_cut(std::uint64_t after_bytes, int count);
  std::optional<std::uint64_t> take_cdn_cut();
  // The next `count` folder-listing calls return at most `max_entries` entries (while `count` in the
  // answer still says how many the folder holds), as 115 does while a folder is busy.
  void set_list_short_pages(int max_entries, int count);
  std::optional<int> take_list_short_page();
  // The next `count` listing calls for a page after the first answer as if one entry before the
  // requested offset had been deleted since the previous page: the page starts one entry later and the
  // count is one less.
  void set_list_shift(int count);
  bool take_list_shift();
  void clear();
  nlohmann::json to_json() const;

 private:
  struct Rule {
    std::string path;
    FaultMode mode;
    int remaining;
  };
  mutable std::mutex mu_;
  std::deque<Rule> rules_;
  int latency_ms_ = 0;
  int passport_latency_ms_ = 0;
  std::uint64_t cdn_cut_bytes_ = 0;
  int cdn_cut_remaining_ = 0;
  int list_short_max_ = 0;
  int list_short_remaining_ = 0;
  int list_shift_remaining_ = 0;
};

}  // namespace dav115::fake115

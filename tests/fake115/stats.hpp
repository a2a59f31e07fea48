#pragma once
// What tests observe: counters (GET /__stats) and a log of every request (GET /__calls). Thread-safe.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>

namespace dav115::fake115 {

struct CallRecord {
  std::string method, path;
  nlohmann::json fields = nlohmann::json::object();  // query and form fields (secrets redacted)
  std::string user_agent, range;
  unsigned status = 200;
  std::string result;  // the 115 code for JSON answers ("0", "770004"), else "http_<status>" or a fault name
  double arrived = 0;  // unix seconds when the whole request had been read ("time" is when it was answered)
};

class Stats {
 public:
  void record(CallRecord r);
  void cdn_started(const std::string& link_key, int now_active);
  void cdn_bytes(std::uint64_t n);
  void oss_bytes(std::uint64_t n);  // request body bytes the OSS endpoint received
  // Client connections open now: 0 (plus the observer's own) means every request a client sent before
  // it went away has been read and answered.
  void connection_opened();
  void connection_closed();
  nlohmann::json to_json() const;  // counters only; the caller adds token fields
  nlohmann::json calls_since(std::uint64_t since) const;
  void reset();

 private:
  mutable std::mutex mu_;
  std::uint64_t next_seq_ = 1;
  std::deque<nlohmann::json> calls_;  // bounded, oldest dropped first
  std::map<std::string, std::uint64_t> per_path_, per_result_;
  std::uint64_t cdn_downloads_ = 0, cdn_bytes_ = 0, oss_bytes_ = 0;
  int max_concurrent_per_link_ = 0;
  std::int64_t open_connections_ = 0;
};

}  // namespace dav115::fake115

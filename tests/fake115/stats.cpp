#include "stats.hpp"

#include <chrono>

namespace dav115::fake115 {
namespace {
constexpr std::size_t kMaxCallsKept = 200000;
}

void Stats::record(CallRecord r) {
  const double now = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  std::lock_guard lk(mu_);
  ++per_path_[r.path];
  ++per_result_[r.result];
  calls_.push_back({{"seq", next_seq_++},
                    {"time", now},
                    {"arrived", r.arrived > 0 ? r.arrived : now},
                    {"method", r.method},
                    {"path", r.path},
                    {"fields", std::move(r.fields)},
                    {"user_agent", r.user_agent},
                    {"range", r.range},
                    {"status", r.status},
                    {"result", r.result}});
  if (calls_.size() > kMaxCallsKept) calls_.pop_front();
}

void Stats::cdn_started(const std::string& link_key, int now_active) {
  std::lock_guard lk(mu_);
  ++cdn_downloads_;
  max_concurrent_per_link_ = std::max(max_concurrent_per_link_, now_active);
}

void Stats::cdn_bytes(std::uint64_t n) {
  std::lock_guard lk(mu_);
  cdn_bytes_ += n;
}

void Stats::oss_bytes(std::uint64_t n) {
  std::lock_guard lk(mu_);
  oss_bytes_ += n;
}

void Stats::connection_opened() {
  std::lock_guard lk(mu_);
  ++open_connections_;
}

void Stats::connection_closed() {
  std::lock_guard lk(mu_);
  --open_connections_;
}

nlohmann::json Stats::to_json() const {
  std::lock_guard lk(mu_);
  return {{"calls", per_path_},
          {"results", per_result_},
          {"cdn_downloads", cdn_downloads_},
          {"cdn_bytes", cdn_bytes_},
          {"oss_bytes", oss_bytes_},
          {"max_concurrent_per_link", max_concurrent_per_link_},
          {"last_seq", next_seq_ - 1},
          {"open_connections", open_connections_}};
}

nlohmann::json Stats::calls_since(std::uint64_t since) const {
  std::lock_guard lk(mu_);
  nlohmann::json out = nlohmann::json::array();
  for (const auto& c : calls_)
    if (c["seq"].get<std::uint64_t>() > since) out.push_back(c);
  return out;
}

void Stats::reset() {
  std::lock_guard lk(mu_);
  calls_.clear();
  per_path_.clear();
  per_result_.clear();
  cdn_downloads_ = cdn_bytes_ = oss_bytes_ = 0;
  max_concurrent_per_link_ = 0;
}

}  // namespace dav115::fake115

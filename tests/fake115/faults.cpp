#include "faults.hpp"

#include <algorithm>

namespace dav115::fake115 {

std::optional<FaultMode> parse_fault_mode(const std::string& s) {
  if (s == "770004" || s == "rate") return FaultMode::RateLimited;
  if (s == "406" || s == "quota") return FaultMode::Quota;
  if (s == "waf" || s == "405") return FaultMode::Waf;
  if (s == "empty") return FaultMode::Empty;
  if (s == "garbage") return FaultMode::Garbage;
  if (s == "reset") return FaultMode::Reset;
  return std::nullopt;
}

std::string to_string(FaultMode m) {
  switch (m) {
    case FaultMode::RateLimited: return "770004";
    case FaultMode::Quota: return "406";
    case FaultMode::Waf: return "waf";
    case FaultMode::Empty: return "empty";
    case FaultMode::Garbage: return "garbage";
    case FaultMode::Reset: return "reset";
  }
  return "?";
}

void Faults::add_rule(std::string path, FaultMode mode, int count) {
  std::lock_guard lk(mu_);
  if (count > 0) rules_.push_back({std::move(path), mode, count});
}

std::optional<FaultMode> Faults::take(const std::string& path) {
  std::lock_guard lk(mu_);
  for (auto it = rules_.begin(); it != rules_.end(); ++it) {
    if (it->path != "*" && it->path != path) continue;
    FaultMode m = it->mode;
    if (--it->remaining <= 0) rules_.erase(it);
    return m;
  }
  return std::nullopt;
}

void Faults::set_latency_ms(int ms) {
  std::lock_guard lk(mu_);
  latency_ms_ = ms;
}

int Faults::latency_ms() const {
  std::lock_guard lk(mu_);
  return latency_ms_;
}

void Faults::set_passport_latency_ms(int ms) {
  std::lock_guard lk(mu_);
  passport_latency_ms_ = ms;
}

int Faults::passport_latency_ms() const {
  std::lock_guard lk(mu_);
  return passport_latency_ms_;
}

void Faults::set_cdn_cut(std::uint64_t after_bytes, int count) {
  std::lock_guard lk(mu_);
  cdn_cut_bytes_ = after_bytes;
  cdn_cut_remaining_ = count;
}

std::optional<std::uint64_t> Faults::take_cdn_cut() {
  std::lock_guard lk(mu_);
  if (cdn_cut_remaining_ <= 0) return std::nullopt;
  --cdn_cut_remaining_;
  return cdn_cut_bytes_;
}

void Faults::set_list_short_pages(int max_entries, int count) {
  std::lock_guard lk(mu_);
  list_short_max_ = std::max(0, max_entries);
  list_short_remaining_ = count;
}

std::optional<int> Faults::take_list_short_page() {
  std::lock_guard lk(mu_);
  if (list_short_remaining_ <= 0) return std::nullopt;
  --list_short_remaining_;
  return list_short_max_;
}

void Faults::set_list_shift(int count) {
  std::lock_guard lk(mu_);
  list_shift_remaining_ = count;
}

bool Faults::take_list_shift() {
  std::lock_guard lk(mu_);
  if (list_shift_remaining_ <= 0) return false;
  --list_shift_remaining_;
  return true;
}

void Faults::clear() {
  std::lock_guard lk(mu_);
  rules_.clear();
  latency_ms_ = 0;
  passport_latency_ms_ = 0;
  cdn_cut_remaining_ = 0;
  list_short_remaining_ = 0;
  list_shift_remaining_ = 0;
}

nlohmann::json Faults::to_json() const {
  std::lock_guard lk(mu_);
  nlohmann::json rules = nlohmann::json::array();
  for (const auto& r : rules_) rules.push_back({{"path", r.path}, {"mode", to_string(r.mode)}, {"remaining", r.remaining}});
  return {{"rules", rules},
          {"latency_ms", latency_ms_},
          {"passport_latency_ms", passport_latency_ms_},
          {"cdn_cut", {{"after_bytes", cdn_cut_bytes_}, {"remaining", cdn_cut_remaining_}}},
          {"list_short_pages", {{"max_entries", list_short_max_}, {"remaining", list_short_remaining_}}},
          {"list_shift", {{"remaining", list_shift_remaining_}}}};
}

}  // namespace dav115::fake115

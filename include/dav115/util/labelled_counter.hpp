#pragma once
// A counter family with one or two labels whose values come from a small set (a cache result, a
// delivery policy and outcome), counted on every request: each combination is looked up in the
// registry once, then added to without building labels or searching the registry's maps.
#include <atomic>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "dav115/util/metrics.hpp"

namespace dav115::util {

class LabelledCounter {
 public:
  LabelledCounter(std::string name, std::string label1, std::string label2 = {})
      : name_(std::move(name)), label1_(std::move(label1)), label2_(std::move(label2)) {}

  void add(std::string_view value1, std::string_view value2 = {}, double delta = 1) {
    std::atomic<double>* counter = nullptr;
    {
      std::lock_guard lk(mu_);
      for (const auto& s : seen_)
        if (s.value1 == value1 && s.value2 == value2) counter = s.counter;
      if (!counter) {
        Labels labels{{label1_, std::string(value1)}};
        if (!label2_.empty()) labels.emplace_back(label2_, std::string(value2));
        counter = &Metrics::global().counter(name_, labels);
        seen_.push_back({std::string(value1), std::string(value2), counter});
      }
    }
    *counter += delta;
  }

 private:
  struct Seen {
    std::string value1, value2;
    std::atomic<double>* counter;
  };
  const std::string name_, label1_, label2_;
  std::mutex mu_;
  std::vector<Seen> seen_;  // a handful of combinations: a linear search beats hashing
};

}  // namespace dav115::util

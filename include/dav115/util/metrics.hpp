#pragma once
// Process-wide counters and gauges rendered as Prometheus text on /metrics.
// Every layer counts into the same registry; labels are a small sorted list of key/value pairs.
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace dav115::util {

using Labels = std::vector<std::pair<std::string, std::string>>;

class Metrics {
 public:
  static Metrics& global();

  // Adds `delta` to the counter `name{labels}` (created at 0 on first use).
  void add(const std::string& name, const Labels& labels = {}, double delta = 1);
  // The counter `name{labels}` itself, for a hot path to keep and add to without a lock or a lookup
  // (fetch_add). The reference stays valid for the life of the registry.
  std::atomic<double>& counter(const std::string& name, const Labels& labels = {});
  // Sets the gauge `name{labels}`.
  void set(const std::string& name, const Labels& labels, double value);
  double value(const std::string& name, const Labels& labels = {}) const;
  // Every series of `name` added up (all label values).
  double sum(const std::string& name) const;
  // One-line help text, emitted as "# HELP" / "# TYPE" before the series.
  void describe(const std::string& name, const std::string& type, const std::string& help);

  std::string render_prometheus() const;

 private:
  struct Family {
    std::string type = "counter";
    std::string help;
    std::map<Labels, std::atomic<double>> series;  // map nodes never move: counter() hands them out
  };
  mutable std::mutex mu_;
  std::map<std::string, Family> families_;
};

}  // namespace dav115::util

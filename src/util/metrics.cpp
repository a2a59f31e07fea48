#include "dav115/util/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace dav115::util {

Metrics& Metrics::global() {
  static Metrics m;
  return m;
}

static Labels sorted(Labels l) {
  std::sort(l.begin(), l.end());
  return l;
}

void Metrics::add(const std::string& name, const Labels& labels, double delta) { counter(name, labels) += delta; }

std::atomic<double>& Metrics::counter(const std::string& name, const Labels& labels) {
  std::lock_guard lk(mu_);
  return families_[name].series[sorted(labels)];
}

void Metrics::set(const std::string& name, const Labels& labels, double value) {
  std::lock_guard lk(mu_);
  auto& f = families_[name];
  if (f.help.empty()) f.type = "gauge";
  f.series[sorted(labels)].store(value);
}

double Metrics::value(const std::string& name, const Labels& labels) const {
  std::lock_guard lk(mu_);
  auto f = families_.find(name);
  if (f == families_.end()) return 0;
  auto s = f->second.series.find(sorted(labels));
  return s == f->second.series.end() ? 0.0 : s->second.load();
}

double Metrics::sum(const std::string& name) const {
  std::lock_guard lk(mu_);
  auto f = families_.find(name);
  double total = 0;
  if (f != families_.end())
    for (const auto& [labels, v] : f->second.series) total += v;
  return total;
}

void Metrics::describe(const std::string& name, const std::string& type, const std::string& help) {
  std::lock_guard lk(mu_);
  auto& f = families_[name];
  f.type = type;
  f.help = help;
}

static std::string escape_label(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') { out += "\\n"; continue; }
    out += c;
  }
  return out;
}

std::string Metrics::render_prometheus() const {
  std::lock_guard lk(mu_);
  std::ostringstream o;
  for (const auto& [name, f] : families_) {
    if (!f.help.empty()) o << "# HELP " << name << ' ' << f.help << '\n';
    o << "# TYPE " << name << ' ' << f.type << '\n';
    for (const auto& [labels, v] : f.series) {
      o << name;
      if (!labels.empty()) {
        o << '{';
        for (std::size_t i = 0; i < labels.size(); ++i)
          o << (i ? "," : "") << labels[i].first << "=\"" << escape_label(labels[i].second) << '"';
        o << '}';
      }
      const double x = v.load();
      if (std::floor(x) == x) o << ' ' << static_cast<long long>(x) << '\n';
      else o << ' ' << x << '\n';
    }
  }
  return o.str();
}

}  // namespace dav115::util

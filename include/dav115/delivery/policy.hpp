#pragma once
// Which delivery policy serves a client: the first matching User-Agent rule (delivery.rules; the config
// parser fills in config::default_delivery_rules() when none are given), else delivery.policy.
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "dav115/config/config.hpp"

namespace dav115::delivery {

enum class Policy { Redirect, LocalProxy, ProxyUrl };

std::optional<Policy> parse_policy(std::string_view name);  // "redirect" | "local_proxy" | "proxy_url"
std::string_view policy_name(Policy p);

class PolicySelector {
 public:
  // Throws config::ConfigError for an unknown policy name or a regex that does not compile.
  explicit PolicySelector(const config::Delivery& cfg);
  Policy select(std::string_view user_agent) const;
  Policy default_policy() const { return default_; }

 private:
  struct Rule {
    std::regex pattern;
    Policy policy;
  };
  std::vector<Rule> rules_;
  Policy default_ = Policy::Redirect;
};

}  // namespace dav115::delivery

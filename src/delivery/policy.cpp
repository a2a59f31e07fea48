#include "dav115/delivery/policy.hpp"

namespace dav115::delivery {
namespace {
// A User-Agent longer than this is matched on its prefix only: bounds the regex engine's work.
constexpr std::size_t kMaxUserAgentMatched = 512;
}  // namespace

std::optional<Policy> parse_policy(std::string_view name) {
  if (name == "redirect") return Policy::Redirect;
  if (name == "local_proxy") return Policy::LocalProxy;
  if (name == "proxy_url") return Policy::ProxyUrl;
  return std::nullopt;
}

std::string_view policy_name(Policy p) {
  switch (p) {
    case Policy::Redirect: return "redirect";
    case Policy::LocalProxy: return "local_proxy";
    case Policy::ProxyUrl: return "proxy_url";
  }
  return "redirect";
}

PolicySelector::PolicySelector(const config::Delivery& cfg) {
  auto p = parse_policy(cfg.policy);
  if (!p) throw config::ConfigError("delivery.policy", "must be redirect, local_proxy or proxy_url");
  default_ = *p;
  auto add = [&](const config::DeliveryRule& rule, const std::string& where) {
    auto rp = parse_policy(rule.policy);
    if (!rp) throw config::ConfigError(where + ".policy", "must be redirect, local_proxy or proxy_url");
    try {
      rules_.push_back({std::regex(rule.user_agent_regex, std::regex::ECMAScript | std::regex::icase), *rp});
    } catch (const std::regex_error& e) {
      throw config::ConfigError(where + ".user_agent_regex", std::string("invalid regular expression: ") + e.what());
    }
  };
  for (std::size_t i = 0; i < cfg.rules.size(); ++i)
    add(cfg.rules[i], "delivery.rules[" + std::to_string(i) + "]");
}

Policy PolicySelector::select(std::string_view user_agent) const {
  if (user_agent.size() > kMaxUserAgentMatched) user_agent = user_agent.substr(0, kMaxUserAgentMatched);
  for (const auto& rule : rules_)
    if (std::regex_search(user_agent.begin(), user_agent.end(), rule.pattern)) return rule.policy;
  return default_;
}

}  // namespace dav115::delivery

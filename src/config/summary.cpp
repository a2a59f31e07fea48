// Human summary of a Config for `dav115 check-config`: what will be served, never a secret.
#include <sstream>

#include "dav115/config/config.hpp"

namespace dav115::config {

static const char* set_or_not(const std::string& secret) { return secret.empty() ? "not set" : "set"; }

std::string summary(const Config& cfg) {
  std::ostringstream o;
  o << "listen:          ";
  for (std::size_t i = 0; i < cfg.listen.size(); ++i) o << (i ? ", " : "") << to_string(cfg.listen[i]);
  o << "\nmount_path:      " << cfg.mount_path << "\nusers:           ";
  for (std::size_t i = 0; i < cfg.users.size(); ++i)
    o << (i ? ", " : "") << cfg.users[i].name << (cfg.users[i].admin ? " (admin)" : "");
  if (cfg.users.empty()) o << "(none)";
  o << "\nallow_anonymous: " << (cfg.allow_anonymous ? "yes" : "no")
    << "\ncloud115:        api " << cfg.cloud115.api_base << ", passport " << cfg.cloud115.passport_base
    << ", qrcode " << cfg.cloud115.qrcode_base << ", app id " << (cfg.cloud115.app_id.empty() ? "not set" : cfg.cloud115.app_id)
    << ", root folder " << cfg.cloud115.root_folder_id << ", page size " << cfg.cloud115.page_size << ", "
    << cfg.cloud115.rate_limit.qps << " qps (burst " << cfg.cloud115.rate_limit.burst << ")"
    << "\n                 refresh token " << (cfg.cloud115.refresh_token.empty() ? "not set (the pair from `dav115 login` in state_dir)" : "set") << ", access token "
    << set_or_not(cfg.cloud115.access_token) << ", verify_tls " << (cfg.cloud115.verify_tls ? "yes" : "no")
    << "\ncache:           listings " << cfg.cache.listing_ttl.count() << " s, quota " << cfg.cache.quota_ttl.count()
    << " s, at most " << cfg.cache.max_cached_folders << " folders"
    << "\nindex:           " << (cfg.index.enabled ? "on" : "off") << ", at most "
    << (cfg.index.max_entries ? std::to_string(cfg.index.max_entries) + " entries" : std::string("unbounded"))
    << "\ndelivery:        policy " << cfg.delivery.policy << ", " << cfg.delivery.rules.size() << " rule(s)";
  for (const auto& r : cfg.delivery.rules) o << "\n                 /" << r.user_agent_regex << "/ -> " << r.policy;
  if (!cfg.delivery.proxy_url.empty())
    o << "\n                 proxy_url " << cfg.delivery.proxy_url << ", sign key "
      << set_or_not(cfg.delivery.proxy_sign_key);
  o << "\nstate_dir:       " << cfg.state_dir << "\nlog_level:       " << cfg.log_level
    << "\naccess_log:      " << (cfg.access_log.empty() ? "off" : cfg.access_log == "-" ? "stderr" : cfg.access_log)
    << "\nthreads:         " << (cfg.threads == 0 ? std::string("one per core") : std::to_string(cfg.threads));
  o << "\ntrusted_proxies: ";
  for (std::size_t i = 0; i < cfg.trusted_proxies.size(); ++i) o << (i ? ", " : "") << cfg.trusted_proxies[i];
  if (cfg.trusted_proxies.empty()) o << "(none: X-Forwarded-For is ignored)";
  o << '\n';
  return o.str();
}

}  // namespace dav115::config

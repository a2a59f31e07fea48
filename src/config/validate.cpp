// Cross-field and range checks shared by parse_config and configs built in code (demo mode).
// Each failure names the dotted setting so the operator knows exactly what to fix.
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/network_v4.hpp>
#include <boost/asio/ip/network_v6.hpp>
#include <boost/url/parse.hpp>
#include <algorithm>
#include <cctype>
#include <fstream>
#include <regex>
#include <set>

#include "dav115/config/config.hpp"

namespace dav115::config {

namespace {

bool readable(const std::string& path) { return std::ifstream(path, std::ios::binary).good(); }

void require_readable(const std::string& setting, const std::string& path) {
  if (!readable(path)) throw ConfigError(setting, "cannot read file \"" + path + "\"");
}

void check_base_url(const std::string& setting, const std::string& url) {
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed || (parsed->scheme() != "http" && parsed->scheme() != "https") || parsed->host().empty() ||
      parsed->has_query() || parsed->has_fragment())
    throw ConfigError(setting, "\"" + url + "\" is not an http(s) base URL such as \"https://proapi.115.com\"");
}

// "/dav" -> "/dav/", "dav/x" -> "/dav/x/"; "." and ".." segments would make paths ambiguous.
std::string normalise_mount_path(std::string p) {
  if (p.find_first_of("?#\\") != std::string::npos || std::any_of(p.begin(), p.end(), [](char c) {
        return static_cast<unsigned char>(c) < 0x20;
      }))
    throw ConfigError("mount_path", "must be a plain path without '?', '#', '\\' or control characters");
  if (p.empty() || p.front() != '/') p.insert(p.begin(), '/');
  if (p.back() != '/') p.push_back('/');
  std::string collapsed;
  for (char c : p)
    if (!(c == '/' && !collapsed.empty() && collapsed.back() == '/')) collapsed.push_back(c);
  std::size_t start = 1;
  while (start < collapsed.size()) {
    std::size_t end = collapsed.find('/', start);
    std::string segment = collapsed.substr(start, end - start);
    if (segment == "." || segment == "..")
      throw ConfigError("mount_path", "must not contain \".\" or \"..\" segments");
    start = end + 1;
  }
  return collapsed;
}

bool base64ish(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/' || c == '=';
  });
}

// Format only ("pbkdf2-sha256$<iterations>$<salt b64>$<hash b64>"): verification is the http layer's job.
bool valid_hash_format(const std::string& h) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    std::size_t end = h.find('$', start);
    parts.push_back(h.substr(start, end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  if (parts.size() != 4 || parts[0] != "pbkdf2-sha256") return false;
  if (parts[1].empty() || parts[1].size() > 9 ||
      !std::all_of(parts[1].begin(), parts[1].end(), [](char c) { return c >= '0' && c <= '9'; }) ||
      std::stol(parts[1]) < 1)
    return false;
  return base64ish(parts[2]) && base64ish(parts[3]);
}

void check_users(const Config& cfg) {
  std::set<std::string> names;
  for (std::size_t i = 0; i < cfg.users.size(); ++i) {
    const auto& u = cfg.users[i];
    const std::string path = "users[" + std::to_string(i) + "]";
    if (u.name.empty() || u.name.find(':') != std::string::npos)
      throw ConfigError(path + ".name", "must be non-empty and contain no ':' (Basic auth separator)");
    if (!names.insert(u.name).second) throw ConfigError(path + ".name", "duplicate user \"" + u.name + "\"");
    if (!valid_hash_format(u.password_hash))
      throw ConfigError(path + ".password_hash",
                        "not a password hash (expected \"pbkdf2-sha256$...\"; create one with `dav115 hash-password`)");
  }
  if (cfg.users.empty() && !cfg.allow_anonymous)
    throw ConfigError("users", "no users and allow_anonymous is false: nobody could log in");
}

bool valid_policy(const std::string& p) { return p == "redirect" || p == "local_proxy" || p == "proxy_url"; }

void check_delivery(const Delivery& d) {
  const std::string policies = " (one of redirect, local_proxy, proxy_url)";
  if (!valid_policy(d.policy)) throw ConfigError("delivery.policy", "unknown policy \"" + d.policy + "\"" + policies);
  bool uses_proxy_url = d.policy == "proxy_url";
  for (std::size_t i = 0; i < d.rules.size(); ++i) {
    const std::string path = "delivery.rules[" + std::to_string(i) + "]";
    const auto& r = d.rules[i];
    if (!valid_policy(r.policy)) throw ConfigError(path + ".policy", "unknown policy \"" + r.policy + "\"" + policies);
    if (r.user_agent_regex.empty()) throw ConfigError(path + ".user_agent", "must be a non-empty regular expression");
    try {
      std::regex(r.user_agent_regex, std::regex::ECMAScript | std::regex::icase);
    } catch (const std::regex_error& e) {
      throw ConfigError(path + ".user_agent", "invalid regular expression: " + std::string(e.what()));
    }
    uses_proxy_url = uses_proxy_url || r.policy == "proxy_url";
  }
  if (uses_proxy_url) {
    if (d.proxy_url.empty()) throw ConfigError("delivery.proxy_url", "required by the proxy_url policy");
    if (d.proxy_sign_key.empty())
      throw ConfigError("delivery.proxy_sign_key", "required by the proxy_url policy (or DAV115_PROXY_SIGN_KEY)");
  }
  if (!d.proxy_url.empty()) check_base_url("delivery.proxy_url", d.proxy_url);
  for (std::size_t i = 0; i < d.cdn_host_allowlist.size(); ++i)
    if (d.cdn_host_allowlist[i].empty())
      throw ConfigError("delivery.cdn_host_allowlist[" + std::to_string(i) + "]", "must not be empty");
}

void check_cloud115(const Cloud115& c) {
  if (c.root_folder_id.empty() ||
      !std::all_of(c.root_folder_id.begin(), c.root_folder_id.end(), [](char ch) { return ch >= '0' && ch <= '9'; }))
    throw ConfigError("cloud115.root_folder_id", "must be a decimal folder id (\"0\" = the drive root)");
  check_base_url("cloud115.api_base", c.api_base);
  check_base_url("cloud115.passport_base", c.passport_base);
  check_base_url("cloud115.qrcode_base", c.qrcode_base);
  if (!std::all_of(c.app_id.begin(), c.app_id.end(), [](char ch) { return ch >= '0' && ch <= '9'; }))
    throw ConfigError("cloud115.app_id", "must be the decimal APP ID of a 115 Open Platform app");
  if (c.user_agent.empty()) throw ConfigError("cloud115.user_agent", "must not be empty");
  if (c.page_size < 1 || c.page_size > 1150)
    throw ConfigError("cloud115.page_size", "must be between 1 and 1150, got " + std::to_string(c.page_size));
  if (!(c.rate_limit.qps > 0)) throw ConfigError("cloud115.rate_limit.qps", "must be greater than 0");
  if (c.rate_limit.burst < 1) throw ConfigError("cloud115.rate_limit.burst", "must be at least 1");
  if (c.request_timeout.count() <= 0) throw ConfigError("cloud115.request_timeout_ms", "must be greater than 0");
  if (!c.ca_file.empty()) require_readable("cloud115.ca_file", c.ca_file);
}

// "10.0.0.1", "10.0.0.0/8", "::1", "fd00::/8"; the http layer matches peers against them.
void check_trusted_proxies(const std::vector<std::string>& entries) {
  namespace ip = boost::asio::ip;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    boost::system::error_code ec;
    const auto& e = entries[i];
    if (e.find('/') == std::string::npos) {
      ip::make_address(e, ec);
    } else {
      ip::make_network_v4(e, ec);
      if (ec) ip::make_network_v6(e, ec);
    }
    if (ec)
      throw ConfigError("trusted_proxies[" + std::to_string(i) + "]",
                        "\"" + e + "\" is not an IP address or CIDR range such as \"10.0.0.0/8\"");
  }
}

}  // namespace

void validate(Config& cfg) {
  if (cfg.listen.empty()) throw ConfigError("listen", "at least one listen URL is required, e.g. [\"http://127.0.0.1:8080\"]");
  const bool any_tls = std::any_of(cfg.listen.begin(), cfg.listen.end(), [](const auto& l) { return l.tls; });
  if (any_tls) {
    if (cfg.tls.cert.empty()) throw ConfigError("tls.cert", "required by the https listen address");
    if (cfg.tls.key.empty()) throw ConfigError("tls.key", "required by the https listen address");
    require_readable("tls.cert", cfg.tls.cert);
    require_readable("tls.key", cfg.tls.key);
  }
  cfg.mount_path = normalise_mount_path(cfg.mount_path);
  check_users(cfg);
  check_cloud115(cfg.cloud115);
  if (cfg.limits.client_deadline.count() <= 0) throw ConfigError("limits.client_deadline_s", "must be greater than 0");
  if (cfg.auth.realm.empty() || cfg.auth.realm.find('"') != std::string::npos)
    throw ConfigError("auth.realm", "must be non-empty and contain no '\"'");
  check_delivery(cfg.delivery);
  if (cfg.state_dir.empty()) throw ConfigError("state_dir", "must not be empty");
  static const std::set<std::string> levels{"trace", "debug", "info", "warn", "error", "critical", "off"};
  if (!levels.count(cfg.log_level))
    throw ConfigError("log_level", "unknown level \"" + cfg.log_level + "\" (trace, debug, info, warn, error, critical, off)");
  check_trusted_proxies(cfg.trusted_proxies);
  if (cfg.threads < 0) throw ConfigError("threads", "must be 0 (one per core) or more");
}

}  // namespace dav115::config

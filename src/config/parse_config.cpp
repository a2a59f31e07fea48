// JSON text -> Config: reads every section with typed, path-aware accessors, then hands over to
// env overrides, defaults and validation.
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "dav115/config/config.hpp"
#include "json_fields.hpp"

namespace dav115::config {

using detail::Fields;
using nlohmann::json;

namespace {

void read_cloud115(Fields& f, Cloud115& c) {
  f.text("refresh_token", c.refresh_token);
  f.text("access_token", c.access_token);
  f.text("root_folder_id", c.root_folder_id);
  f.text("api_base", c.api_base);
  f.text("passport_base", c.passport_base);
  f.text("qrcode_base", c.qrcode_base);
  f.text("app_id", c.app_id);
  f.text("user_agent", c.user_agent);
  f.whole("page_size", c.page_size, -1000000, 1000000);  // range checked by validate() with its own message
  f.flag("list_changes_first", c.list_changes_first);
  if (const json* rl = f.object("rate_limit")) {
    Fields r(*rl, f.path_of("rate_limit"));
    r.number("qps", c.rate_limit.qps);
    r.whole("burst", c.rate_limit.burst, -1000000, 1000000);
    r.finish();
  }
  f.seconds("cooldown_s", c.cooldown);
  f.seconds("refresh_margin_s", c.refresh_margin);
  f.milliseconds("request_timeout_ms", c.request_timeout);
  f.flag("verify_tls", c.verify_tls);
  f.text("ca_file", c.ca_file);
}

void read_cache(Fields& f, Cache& c) {
  f.seconds("listing_ttl_s", c.listing_ttl);
  f.seconds("quota_ttl_s", c.quota_ttl);
  f.whole("max_cached_folders", c.max_cached_folders, 1, 100000000);
  f.whole("rendered_listing_bytes", c.rendered_listing_bytes, 0, 1LL << 40);
}

void read_limits(Fields& f, Limits& l) {
  constexpr long long big = 1LL << 40;
  f.whole("max_connections", l.max_connections, 1, 1000000);
  f.whole("max_header_bytes", l.max_header_bytes, 1024, big);
  f.whole("max_request_line_bytes", l.max_request_line_bytes, 256, big);
  f.whole("max_propfind_body_bytes", l.max_propfind_body_bytes, 0, big);
  f.whole("max_propfind_properties", l.max_propfind_properties, 1, 100000);
  f.whole("max_other_body_bytes", l.max_other_body_bytes, 0, big);
  f.seconds("header_timeout_s", l.header_timeout);
  f.seconds("body_timeout_s", l.body_timeout);
  f.seconds("idle_timeout_s", l.idle_timeout);
  f.seconds("write_timeout_s", l.write_timeout);
  f.seconds("client_deadline_s", l.client_deadline);
  f.whole("max_connections_per_ip", l.max_connections_per_ip, 1, 1000000);
  f.whole("max_requests_per_connection", l.max_requests_per_connection, 1, 1000000000);
}

void read_auth(Fields& f, Auth& a) {
  f.whole("max_failures", a.max_failures, 1, 1000000);
  f.seconds("failure_window_s", a.failure_window);
  f.seconds("lockout_s", a.lockout);
  f.text("realm", a.realm);
}

void read_delivery(Fields& f, Delivery& d, bool& rules_given) {
  f.text("policy", d.policy);
  if (const json* rules = f.array("rules")) {
    rules_given = true;
    for (std::size_t i = 0; i < rules->size(); ++i) {
      Fields r((*rules)[i], f.path_of("rules") + "[" + std::to_string(i) + "]");
      DeliveryRule rule;
      r.text("user_agent", rule.user_agent_regex);
      r.text("policy", rule.policy);
      r.finish();
      d.rules.push_back(std::move(rule));
    }
  }
  f.text("proxy_url", d.proxy_url);
  f.text("proxy_sign_key", d.proxy_sign_key);
  f.seconds("proxy_link_ttl_s", d.proxy_link_ttl);
  f.texts("cdn_host_allowlist", d.cdn_host_allowlist);
  f.flag("allow_plain_http_cdn", d.allow_plain_http_cdn);
  f.seconds("link_expiry_margin_s", d.link_expiry_margin);
}

void read_upload(Fields& f, Upload& u) {
  constexpr long long big = 1LL << 50;
  f.text("spool_dir", u.spool_dir);
  f.whole("max_file_bytes", u.max_file_bytes, 0, big);
  f.whole("spool_reserve_bytes", u.spool_reserve_bytes, 0, big);
  f.text("oss_endpoint", u.oss_endpoint);
  f.flag("oss_path_style", u.oss_path_style);
  f.whole("multipart_threshold_bytes", u.multipart_threshold_bytes, 1, big);
  // OSS: every part but the last must be at least 100 KiB; a single part is at most 5 GiB.
  f.whole("part_bytes", u.part_bytes, 100 * 1024, 5LL << 30);
  f.whole("part_retries", u.part_retries, 0, 20);
  f.seconds("oss_timeout_s", u.oss_timeout);
}

void read_listen(Fields& f, Config& cfg) {
  const json* listen = f.raw("listen");
  if (!listen) return;  // validate() reports the missing setting
  // A single string is accepted as a one-element list: a common hand-written shortcut.
  if (listen->is_string()) {
    cfg.listen.push_back(parse_listen_url(listen->get<std::string>(), "listen"));
    return;
  }
  if (!listen->is_array()) throw ConfigError("listen", "expected an array of URLs such as \"http://127.0.0.1:8080\"");
  for (std::size_t i = 0; i < listen->size(); ++i) {
    const std::string path = "listen[" + std::to_string(i) + "]";
    if (!(*listen)[i].is_string()) throw ConfigError(path, "expected a URL string such as \"http://127.0.0.1:8080\"");
    cfg.listen.push_back(parse_listen_url((*listen)[i].get<std::string>(), path));
  }
}

void read_users(Fields& f, Config& cfg) {
  const json* users = f.array("users");
  if (!users) return;
  for (std::size_t i = 0; i < users->size(); ++i) {
    Fields u((*users)[i], "users[" + std::to_string(i) + "]");
    User user;
    u.text("name", user.name);
    u.text("password_hash", user.password_hash);
    u.flag("read_only", user.read_only);
    u.flag("admin", user.admin);
    u.finish();
    cfg.users.push_back(std::move(user));
  }
}

json parse_json(const std::string& text) {
  try {
    return json::parse(text, nullptr, true, /*ignore_comments=*/false);
  } catch (const json::parse_error& e) {
    // Turn the byte offset into line:column, which is what an editor shows.
    std::size_t line = 1, col = 1;
    for (std::size_t i = 0; i + 1 < e.byte && i < text.size(); ++i) {
      if (text[i] == '\n') { ++line; col = 1; } else { ++col; }
    }
    throw ConfigError("(json)", "not valid JSON at line " + std::to_string(line) + ", column " +
                                    std::to_string(col) + " (" + e.what() + ")");
  }
}

void apply_env(Config& cfg) {
  auto env = [](const char* name, std::string& target) {
    const char* v = std::getenv(name);
    if (v && *v) target = v;
  };
  env("DAV115_REFRESH_TOKEN", cfg.cloud115.refresh_token);
  env("DAV115_ACCESS_TOKEN", cfg.cloud115.access_token);
  env("DAV115_PROXY_SIGN_KEY", cfg.delivery.proxy_sign_key);
}

}  // namespace

Config parse_config(const std::string& json_text, const std::string& source_path) {
  const json doc = parse_json(json_text);
  Config cfg;
  cfg.source_path = source_path;
  bool rules_given = false;

  Fields top(doc, "");
  read_listen(top, cfg);
  top.text("mount_path", cfg.mount_path);
  read_users(top, cfg);
  top.flag("allow_anonymous", cfg.allow_anonymous);
  top.flag("read_only", cfg.read_only);
  if (const json* tls = top.object("tls")) {
    Fields t(*tls, "tls");
    t.text("cert", cfg.tls.cert);
    t.text("key", cfg.tls.key);
    t.finish();
  }
  auto section = [&](const char* name, auto reader) {
    if (const json* obj = top.object(name)) {
      Fields f(*obj, name);
      reader(f);
      f.finish();
    }
  };
  section("cloud115", [&](Fields& f) { read_cloud115(f, cfg.cloud115); });
  section("cache", [&](Fields& f) { read_cache(f, cfg.cache); });
  section("index", [&](Fields& f) {
    f.flag("enabled", cfg.index.enabled);
    f.whole("max_entries", cfg.index.max_entries, 0, 1'000'000'000'000LL);
  });
  section("limits", [&](Fields& f) { read_limits(f, cfg.limits); });
  section("auth", [&](Fields& f) { read_auth(f, cfg.auth); });
  section("delivery", [&](Fields& f) { read_delivery(f, cfg.delivery, rules_given); });
  section("upload", [&](Fields& f) { read_upload(f, cfg.upload); });
  top.text("state_dir", cfg.state_dir);
  top.text("log_level", cfg.log_level);
  top.text("access_log", cfg.access_log);
  top.whole("threads", cfg.threads, 0, 1024);
  top.texts("trusted_proxies", cfg.trusted_proxies);
  top.finish();

  if (!rules_given) cfg.delivery.rules = default_delivery_rules();  // an explicit [] means "no rules"
  apply_env(cfg);
  validate(cfg);
  return cfg;
}

Config load_config(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError("(file)", "cannot read config file " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return parse_config(text.str(), path);
}

std::vector<DeliveryRule> default_delivery_rules() {
  // cadaver's `get` (neon) follows no redirect at all.
  return {{"Microsoft-WebDAV-MiniRedir", "local_proxy"}, {"DavClnt", "local_proxy"}, {"^cadaver/", "local_proxy"}};
}

}  // namespace dav115::config

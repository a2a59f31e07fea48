// parse_config/load_config: every validation rule names its setting; env overrides; comments; defaults.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include "dav115/config/config.hpp"

using dav115::config::Config;
using dav115::config::ConfigError;
using dav115::config::parse_config;
using nlohmann::json;

namespace {

const char* kHash = "pbkdf2-sha256$1000$c2FsdHNhbHRzYWx0c2FsdA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";

// The smallest config that passes validation; tests change one thing at a time.
json minimal() {
  return json{{"listen", {"http://127.0.0.1:8080"}},
              {"users", {{{"name", "alice"}, {"password_hash", kHash}}}},
              {"cloud115", {{"refresh_token", "rt-file"}}}};
}

// Secret env vars from the developer's shell must not leak into the tests.
struct CleanEnv {
  CleanEnv() {
    for (const char* n : {"DAV115_REFRESH_TOKEN", "DAV115_ACCESS_TOKEN", "DAV115_PROXY_SIGN_KEY"}) unsetenv(n);
  }
  ~CleanEnv() { CleanEnv::clear(); }
  static void clear() {
    for (const char* n : {"DAV115_REFRESH_TOKEN", "DAV115_ACCESS_TOKEN", "DAV115_PROXY_SIGN_KEY"}) unsetenv(n);
  }
};

// The setting named by the ConfigError that parsing `j` throws ("" if it does not throw).
std::string error_setting(const json& j) {
  try {
    parse_config(j.dump());
  } catch (const ConfigError& e) {
    return e.setting;
  }
  return "";
}

// A per-process scratch directory, removed when the test binary exits.
struct ScratchDir {
  std::filesystem::path path =
      std::filesystem::temp_directory_path() / ("dav115-config-test-" + std::to_string(::getpid()));
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

std::string temp_file(const std::string& name, const std::string& content) {
  static ScratchDir scratch;
  const auto& dir = scratch.path;
  std::filesystem::create_directories(dir);
  auto path = (dir / name).string();
  std::ofstream(path) << content;
  return path;
}

}  // namespace

TEST_CASE("a minimal config parses with the documented defaults") {
  CleanEnv env;
  Config c = parse_config(minimal().dump(), "x.json");
  REQUIRE(c.listen.size() == 1);
  CHECK_FALSE(c.listen[0].tls);
  CHECK(c.listen[0].host == "127.0.0.1");
  CHECK(c.listen[0].port == 8080);
  CHECK(c.mount_path == "/");
  CHECK(c.cloud115.refresh_token == "rt-file");
  CHECK(c.cloud115.api_base == "https://proapi.115.com");
  CHECK(c.cloud115.page_size == 1150);
  CHECK_FALSE(c.cloud115.list_changes_first);  // off until 115's ordering by update time is confirmed
  CHECK(c.cloud115.rate_limit.qps == Approx(1.5));
  CHECK(c.cloud115.rate_limit.burst == 3);
  CHECK(c.cache.listing_ttl == std::chrono::seconds(60));
  CHECK(c.limits.client_deadline == std::chrono::seconds(25));
  CHECK(c.delivery.policy == "redirect");
  CHECK(c.state_dir == "./state");
  CHECK(c.log_level == "info");
  CHECK(c.threads == 0);
  CHECK(c.source_path == "x.json");
}

TEST_CASE("default delivery rules send Windows' WebClient through the local proxy") {
  CleanEnv env;
  Config c = parse_config(minimal().dump());
  REQUIRE(c.delivery.rules.size() == 3);
  CHECK(c.delivery.rules[0].user_agent_regex == "Microsoft-WebDAV-MiniRedir");
  CHECK(c.delivery.rules[0].policy == "local_proxy");
  CHECK(c.delivery.rules[1].user_agent_regex == "DavClnt");
  CHECK(c.delivery.rules[1].policy == "local_proxy");
  CHECK(c.delivery.rules[2].user_agent_regex == "^cadaver/");

  SECTION("an explicit empty list means no rules") {
    json j = minimal();
    j["delivery"]["rules"] = json::array();
    CHECK(parse_config(j.dump()).delivery.rules.empty());
  }
  SECTION("given rules replace the defaults") {
    json j = minimal();
    j["delivery"]["rules"] = {{{"user_agent", "^VLC/"}, {"policy", "local_proxy"}}};
    auto rules = parse_config(j.dump()).delivery.rules;
    REQUIRE(rules.size() == 1);
    CHECK(rules[0].user_agent_regex == "^VLC/");
  }
}

TEST_CASE("every section's settings are read") {
  CleanEnv env;
  json j = minimal();
  j["listen"] = {"http://127.0.0.1:0", "http://[::1]:9000"};
  j["cloud115"] = {{"refresh_token", "r"}, {"access_token", "a"}, {"root_folder_id", "123"},
                   {"api_base", "http://127.0.0.1:9"}, {"passport_base", "http://127.0.0.1:9"},
                   {"user_agent", "ua"}, {"page_size", 100}, {"list_changes_first", true}, {"rate_limit", {{"qps", 2.5}, {"burst", 7}}},
                   {"cooldown_s", 5}, {"refresh_margin_s", 6}, {"request_timeout_ms", 700},
                   {"verify_tls", false}, {"ca_file", ""}};
  j["cache"] = {{"listing_ttl_s", 1}, {"quota_ttl_s", 2}, {"max_cached_folders", 3}, {"rendered_listing_bytes", 0}};
  j["limits"] = {{"max_connections", 4}, {"header_timeout_s", 5}, {"client_deadline_s", 6},
                 {"max_propfind_body_bytes", 100}};
  j["auth"] = {{"max_failures", 2}, {"failure_window_s", 3}, {"lockout_s", 4}, {"realm", "r"}};
  j["delivery"] = {{"policy", "local_proxy"}, {"proxy_link_ttl_s", 9}, {"cdn_host_allowlist", {"127.0.0.1"}},
                   {"allow_plain_http_cdn", true}, {"link_expiry_margin_s", 8}};
  j["state_dir"] = "/tmp/s";
  j["log_level"] = "debug";
  j["access_log"] = "";
  j["threads"] = 3;
  Config c = parse_config(j.dump());
  REQUIRE(c.listen.size() == 2);
  CHECK(c.listen[0].port == 0);
  CHECK(c.listen[1].host == "::1");
  CHECK(c.listen[1].port == 9000);
  CHECK(c.cloud115.access_token == "a");
  CHECK(c.cloud115.root_folder_id == "123");
  CHECK(c.cloud115.page_size == 100);
  CHECK(c.cloud115.list_changes_first);
  CHECK(c.cloud115.rate_limit.qps == Approx(2.5));
  CHECK(c.cloud115.rate_limit.burst == 7);
  CHECK(c.cloud115.cooldown == std::chrono::seconds(5));
  CHECK(c.cloud115.refresh_margin == std::chrono::seconds(6));
  CHECK(c.cloud115.request_timeout == std::chrono::milliseconds(700));
  CHECK_FALSE(c.cloud115.verify_tls);
  CHECK(c.cache.max_cached_folders == 3);
  CHECK(c.cache.rendered_listing_bytes == 0);
  CHECK(c.limits.max_connections == 4);
  CHECK(c.limits.max_propfind_body_bytes == 100);
  CHECK(c.limits.client_deadline == std::chrono::seconds(6));
  CHECK(c.auth.max_failures == 2);
  CHECK(c.auth.lockout == std::chrono::seconds(4));
  CHECK(c.delivery.policy == "local_proxy");
  CHECK(c.delivery.cdn_host_allowlist == std::vector<std::string>{"127.0.0.1"});
  CHECK(c.delivery.allow_plain_http_cdn);
  CHECK(c.delivery.link_expiry_margin == std::chrono::seconds(8));
  CHECK(c.log_level == "debug");
  CHECK(c.access_log.empty());
  CHECK(c.threads == 3);
}

TEST_CASE("comment keys are ignored at every level") {
  CleanEnv env;
  json j = minimal();
  j["//"] = "top comment";
  j["// listen"] = "about listen";
  j["_comment"] = "x";
  j["cloud115"]["// refresh_token"] = "doc";
  j["cloud115"]["rate_limit"] = {{"//", "doc"}, {"qps", 1}};
  j["users"][0]["_comment_user"] = "doc";
  CHECK_NOTHROW(parse_config(j.dump()));
}

TEST_CASE("unknown keys are errors naming their dotted path") {
  CleanEnv env;
  json j = minimal();
  j["listn"] = {"http://127.0.0.1:1"};
  CHECK(error_setting(j) == "listn");
  j = minimal();
  j["cloud115"]["page_sise"] = 5;
  CHECK(error_setting(j) == "cloud115.page_sise");
  j = minimal();
  j["cloud115"]["rate_limit"] = {{"qpss", 1}};
  CHECK(error_setting(j) == "cloud115.rate_limit.qpss");
  j = minimal();
  j["users"][0]["pasword_hash"] = "x";
  CHECK(error_setting(j) == "users[0].pasword_hash");
}

TEST_CASE("wrong types name the setting") {
  CleanEnv env;
  auto with = [](const std::string& section, const std::string& key, json value) {
    json j = minimal();
    if (section.empty()) j[key] = value;
    else j[section][key] = value;
    return error_setting(j);
  };
  CHECK(with("", "mount_path", 5) == "mount_path");
  CHECK(with("", "allow_anonymous", "yes") == "allow_anonymous");
  CHECK(with("", "threads", 1.5) == "threads");
  CHECK(with("", "cache", "x") == "cache");
  CHECK(with("cloud115", "page_size", "100") == "cloud115.page_size");
  CHECK(with("cloud115", "verify_tls", 1) == "cloud115.verify_tls");
  CHECK(with("cloud115", "list_changes_first", "yes") == "cloud115.list_changes_first");
  CHECK(with("cache", "listing_ttl_s", -1) == "cache.listing_ttl_s");
  CHECK(with("cache", "rendered_listing_bytes", -1) == "cache.rendered_listing_bytes");
  CHECK(with("limits", "idle_timeout_s", "60") == "limits.idle_timeout_s");
  CHECK(with("delivery", "cdn_host_allowlist", json::array({1})) == "delivery.cdn_host_allowlist[0]");
  CHECK(with("", "listen", 8080) == "listen");
  CHECK(with("", "listen", json::array({8080})) == "listen[0]");
  CHECK(with("", "users", json::array({"alice"})) == "users[0]");
  json top_array = json::array();
  CHECK(error_setting(top_array) == "(top level)");
}

TEST_CASE("invalid JSON is reported with a position") {
  CleanEnv env;
  try {
    parse_config("{\n  \"listen\": [\n}");
    FAIL("no error");
  } catch (const ConfigError& e) {
    CHECK(e.setting == "(json)");
    CHECK(std::string(e.what()).find("line 3") != std::string::npos);
  }
}

TEST_CASE("listen URLs are checked") {
  CleanEnv env;
  auto listen_error = [](const std::string& url) {
    json j = minimal();
    j["listen"] = {"http://127.0.0.1:1", url};
    return error_setting(j);
  };
  CHECK(listen_error("ftp://127.0.0.1:21") == "listen[1]");
  CHECK(listen_error("127.0.0.1:8080") == "listen[1]");
  CHECK(listen_error("http://127.0.0.1:99999") == "listen[1]");
  CHECK(listen_error("http://127.0.0.1:8080/dav") == "listen[1]");
  CHECK(listen_error("http://:8080") == "listen[1]");
  CHECK(listen_error("http://[::]:8080").empty());
  json j = minimal();
  j["listen"] = json::array();
  CHECK(error_setting(j) == "listen");
  j.erase("listen");
  CHECK(error_setting(j) == "listen");
}

TEST_CASE("https listen needs a readable certificate and key") {
  CleanEnv env;
  json j = minimal();
  j["listen"] = {"https://127.0.0.1:8443"};
  CHECK(error_setting(j) == "tls.cert");
  auto cert = temp_file("cert.pem", "-----BEGIN CERTIFICATE-----\n");
  j["tls"] = {{"cert", cert}};
  CHECK(error_setting(j) == "tls.key");
  j["tls"]["key"] = "/nonexistent/dav115/key.pem";
  CHECK(error_setting(j) == "tls.key");
  j["tls"]["cert"] = "/nonexistent/dav115/cert.pem";
  j["tls"]["key"] = cert;
  CHECK(error_setting(j) == "tls.cert");
  j["tls"]["cert"] = cert;
  Config c = parse_config(j.dump());
  CHECK(c.listen[0].tls);
  CHECK(c.listen[0].port == 8443);
}

TEST_CASE("mount_path is normalised and '..' is rejected") {
  CleanEnv env;
  auto mount = [](const std::string& p) {
    json j = minimal();
    j["mount_path"] = p;
    return parse_config(j.dump()).mount_path;
  };
  CHECK(mount("dav") == "/dav/");
  CHECK(mount("/dav") == "/dav/");
  CHECK(mount("dav/") == "/dav/");
  CHECK(mount("/a//b") == "/a/b/");
  CHECK(mount("") == "/");
  CHECK(mount("/") == "/");
  json j = minimal();
  j["mount_path"] = "/dav/../etc";
  CHECK(error_setting(j) == "mount_path");
  j["mount_path"] = "/dav/./x";
  CHECK(error_setting(j) == "mount_path");
  j["mount_path"] = "/dav?x";
  CHECK(error_setting(j) == "mount_path");
}

TEST_CASE("cloud115 ranges and URLs are checked") {
  CleanEnv env;
  auto err = [](json patch) {
    json j = minimal();
    j["cloud115"].update(patch);
    return error_setting(j);
  };
  CHECK(err({{"page_size", 0}}) == "cloud115.page_size");
  CHECK(err({{"page_size", 1151}}) == "cloud115.page_size");
  CHECK(err({{"page_size", 1}}).empty());
  CHECK(err({{"page_size", 1150}}).empty());
  CHECK(err({{"rate_limit", {{"qps", 0}}}}) == "cloud115.rate_limit.qps");
  CHECK(err({{"rate_limit", {{"qps", -1}}}}) == "cloud115.rate_limit.qps");
  CHECK(err({{"rate_limit", {{"burst", 0}}}}) == "cloud115.rate_limit.burst");
  CHECK(err({{"rate_limit", {{"qps", 0.1}, {"burst", 1}}}}).empty());
  CHECK(err({{"api_base", "proapi.115.com"}}) == "cloud115.api_base");
  CHECK(err({{"api_base", "ftp://proapi.115.com"}}) == "cloud115.api_base");
  CHECK(err({{"passport_base", "not a url"}}) == "cloud115.passport_base");
  // Plain http is allowed here (the emulator); the warning is the gateway's job at start.
  CHECK(err({{"api_base", "http://127.0.0.1:1234"}}).empty());
  CHECK(err({{"root_folder_id", "abc"}}) == "cloud115.root_folder_id");
  CHECK(err({{"request_timeout_ms", 0}}) == "cloud115.request_timeout_ms");
  CHECK(err({{"ca_file", "/nonexistent/dav115/ca.pem"}}) == "cloud115.ca_file");
}

TEST_CASE("users need a valid hash format and somebody must be able to log in") {
  CleanEnv env;
  auto hash_error = [](const std::string& hash) {
    json j = minimal();
    j["users"][0]["password_hash"] = hash;
    return error_setting(j);
  };
  CHECK(hash_error("secret") == "users[0].password_hash");
  CHECK(hash_error("") == "users[0].password_hash");
  CHECK(hash_error("md5$1$a$b") == "users[0].password_hash");
  CHECK(hash_error("pbkdf2-sha256$x$c2FsdA==$AAAA") == "users[0].password_hash");
  CHECK(hash_error("pbkdf2-sha256$1000$c2FsdA==") == "users[0].password_hash");
  CHECK(hash_error("pbkdf2-sha256$1000$c2F sdA==$AAAA") == "users[0].password_hash");
  CHECK(hash_error("pbkdf2-sha256$1000$c2FsdA==$AAAA").empty());

  json j = minimal();
  j["users"][0]["name"] = "a:b";
  CHECK(error_setting(j) == "users[0].name");
  j = minimal();
  j["users"].push_back(j["users"][0]);
  CHECK(error_setting(j) == "users[1].name");

  j = minimal();
  j["users"] = json::array();
  CHECK(error_setting(j) == "users");
  try {
    parse_config(j.dump());
  } catch (const ConfigError& e) {
    CHECK(std::string(e.what()).find("nobody could log in") != std::string::npos);
  }
  j["allow_anonymous"] = true;
  CHECK(error_setting(j).empty());
}

TEST_CASE("delivery policies, rule regexes and proxy settings are checked") {
  CleanEnv env;
  auto err = [](json patch) {
    json j = minimal();
    j["delivery"] = patch;
    return error_setting(j);
  };
  CHECK(err({{"policy", "teleport"}}) == "delivery.policy");
  CHECK(err({{"rules", {{{"user_agent", "x"}, {"policy", "nope"}}}}}) == "delivery.rules[0].policy");
  CHECK(err({{"rules", {{{"user_agent", "ok"}, {"policy", "redirect"}}, {{"user_agent", "(unclosed"}, {"policy", "redirect"}}}}}) ==
        "delivery.rules[1].user_agent");
  CHECK(err({{"rules", {{{"user_agnet", "x"}, {"policy", "redirect"}}}}}) == "delivery.rules[0].user_agnet");
  CHECK(err({{"policy", "proxy_url"}}) == "delivery.proxy_url");
  CHECK(err({{"policy", "proxy_url"}, {"proxy_url", "https://dl.example"}}) == "delivery.proxy_sign_key");
  CHECK(err({{"rules", {{{"user_agent", "x"}, {"policy", "proxy_url"}}}}}) == "delivery.proxy_url");
  CHECK(err({{"policy", "proxy_url"}, {"proxy_url", "dl.example"}, {"proxy_sign_key", "k"}}) == "delivery.proxy_url");
  CHECK(err({{"policy", "proxy_url"}, {"proxy_url", "https://dl.example"}, {"proxy_sign_key", "k"}}).empty());
}

TEST_CASE("other top-level settings are checked") {
  CleanEnv env;
  json j = minimal();
  j["log_level"] = "verbose";
  CHECK(error_setting(j) == "log_level");
  j = minimal();
  j["threads"] = -1;
  CHECK(error_setting(j) == "threads");
  j = minimal();
  j["state_dir"] = "";
  CHECK(error_setting(j) == "state_dir");
  j = minimal();
  j["auth"] = {{"realm", "a\"b"}};
  CHECK(error_setting(j) == "auth.realm");
}

TEST_CASE("secrets come from the environment, which wins when set and non-empty") {
  CleanEnv env;
  json j = minimal();
  j["cloud115"]["refresh_token"] = "";
  CHECK(parse_config(j.dump()).cloud115.refresh_token.empty());  // `dav115 login` may have stored a pair

  setenv("DAV115_REFRESH_TOKEN", "rt-env", 1);
  setenv("DAV115_ACCESS_TOKEN", "at-env", 1);
  setenv("DAV115_PROXY_SIGN_KEY", "key-env", 1);
  Config c = parse_config(j.dump());
  CHECK(c.cloud115.refresh_token == "rt-env");
  CHECK(c.cloud115.access_token == "at-env");
  CHECK(c.delivery.proxy_sign_key == "key-env");

  j["cloud115"]["refresh_token"] = "rt-file";
  CHECK(parse_config(j.dump()).cloud115.refresh_token == "rt-env");

  setenv("DAV115_REFRESH_TOKEN", "", 1);  // empty does not override
  CHECK(parse_config(j.dump()).cloud115.refresh_token == "rt-file");

  // The sign key from the env satisfies the proxy_url policy.
  j["delivery"] = {{"policy", "proxy_url"}, {"proxy_url", "https://dl.example"}};
  CHECK(parse_config(j.dump()).delivery.proxy_sign_key == "key-env");
}

TEST_CASE("the example config parses") {
  CleanEnv env;
  Config c = dav115::config::load_config(DAV115_SOURCE_DIR "/config/dav115.example.json");
  CHECK(c.listen.size() == 1);
  CHECK(c.users.size() == 1);
  CHECK(c.delivery.rules.size() == 3);
  CHECK(c.source_path == DAV115_SOURCE_DIR "/config/dav115.example.json");
}

TEST_CASE("load_config reports an unreadable file") {
  CleanEnv env;
  CHECK_THROWS_AS(dav115::config::load_config("/nonexistent/dav115.json"), ConfigError);
}

TEST_CASE("summary shows settings but no secrets") {
  CleanEnv env;
  json j = minimal();
  j["cloud115"]["refresh_token"] = "SECRET-RT";
  j["cloud115"]["access_token"] = "SECRET-AT";
  j["delivery"] = {{"policy", "proxy_url"}, {"proxy_url", "https://dl.example"}, {"proxy_sign_key", "SECRET-KEY"}};
  std::string s = dav115::config::summary(parse_config(j.dump()));
  CHECK(s.find("http://127.0.0.1:8080") != std::string::npos);
  CHECK(s.find("alice") != std::string::npos);
  CHECK(s.find("SECRET") == std::string::npos);
  CHECK(s.find(kHash) == std::string::npos);
}

TEST_CASE("validate() checks a config built in code") {
  Config c;
  c.listen.push_back(dav115::config::parse_listen_url("http://127.0.0.1:0", "listen"));
  c.allow_anonymous = true;
  c.cloud115.refresh_token = "r";
  c.mount_path = "dav";
  dav115::config::validate(c);
  CHECK(c.mount_path == "/dav/");
  c.cloud115.page_size = 5000;
  CHECK_THROWS_AS(dav115::config::validate(c), ConfigError);
}

TEST_CASE("cloud115.app_id and qrcode_base: defaults, read, checked") {
  CleanEnv env;
  json j = minimal();
  Config c = parse_config(j.dump());
  CHECK(c.cloud115.app_id.empty());
  CHECK(c.cloud115.qrcode_base == "https://qrcodeapi.115.com");
  j["cloud115"]["app_id"] = "100000001";
  j["cloud115"]["qrcode_base"] = "http://127.0.0.1:9";
  c = parse_config(j.dump());
  CHECK(c.cloud115.app_id == "100000001");
  CHECK(c.cloud115.qrcode_base == "http://127.0.0.1:9");
  j["cloud115"]["app_id"] = "app-1";
  CHECK(error_setting(j) == "cloud115.app_id");
  j["cloud115"]["app_id"] = "100000001";
  j["cloud115"]["qrcode_base"] = "qrcodeapi.115.com";
  CHECK(error_setting(j) == "cloud115.qrcode_base");
  j["cloud115"].erase("refresh_token");  // no token at all is a valid config: `serve` decides
  j["cloud115"]["qrcode_base"] = "https://qrcodeapi.115.com";
  CHECK(error_setting(j).empty());
}

TEST_CASE("limits.max_propfind_properties: default 200, read, and kept within 1..100000") {
  CleanEnv env;
  CHECK(parse_config(minimal().dump()).limits.max_propfind_properties == 200);
  auto with = [](json value) {
    json j = minimal();
    j["limits"] = {{"max_propfind_properties", value}};
    return j;
  };
  CHECK(parse_config(with(4000).dump()).limits.max_propfind_properties == 4000);
  CHECK(error_setting(with(0)) == "limits.max_propfind_properties");
  CHECK(error_setting(with(100001)) == "limits.max_propfind_properties");
  CHECK(error_setting(with("many")) == "limits.max_propfind_properties");
}

TEST_CASE("index.max_entries: default 1000000, 0 for no bound, never negative") {
  CleanEnv env;
  CHECK(parse_config(minimal().dump()).index.max_entries == 1'000'000);
  auto with = [](json value) {
    json j = minimal();
    j["index"] = {{"max_entries", value}};
    return j;
  };
  CHECK(parse_config(with(5000).dump()).index.max_entries == 5000);
  CHECK(parse_config(with(0).dump()).index.max_entries == 0);
  CHECK(parse_config(with(20'000'000'000LL).dump()).index.max_entries == 20'000'000'000ULL);
  CHECK(error_setting(with(-1)) == "index.max_entries");
  CHECK(error_setting(with(1.5)) == "index.max_entries");
  CHECK(error_setting(with("lots")) == "index.max_entries");
}

TEST_CASE("per-address limits and trusted proxies are read and checked") {
  CleanEnv env;
  Config d = parse_config(minimal().dump());
  CHECK(d.limits.max_connections_per_ip == 64);
  CHECK(d.limits.max_requests_per_connection == 1000);
  CHECK(d.trusted_proxies.empty());

  json j = minimal();
  j["limits"] = {{"max_connections_per_ip", 3}, {"max_requests_per_connection", 7}};
  j["trusted_proxies"] = {"10.0.0.1", "172.16.0.0/12", "::1", "fd00::/8"};
  Config c = parse_config(j.dump());
  CHECK(c.limits.max_connections_per_ip == 3);
  CHECK(c.limits.max_requests_per_connection == 7);
  CHECK(c.trusted_proxies == std::vector<std::string>{"10.0.0.1", "172.16.0.0/12", "::1", "fd00::/8"});

  for (const char* key : {"max_connections_per_ip", "max_requests_per_connection"}) {
    j = minimal();
    j["limits"] = {{key, 0}};
    CHECK(error_setting(j) == std::string("limits.") + key);
  }
  for (const char* bad : {"proxy.example", "10.0.0.0/33", "10.0.0.1/", "::1/129", ""}) {
    j = minimal();
    j["trusted_proxies"] = {"127.0.0.1", bad};
    CHECK(error_setting(j) == "trusted_proxies[1]");
  }
  j = minimal();
  j["trusted_proxies"] = "10.0.0.1";  // a list, not a string
  CHECK(error_setting(j) == "trusted_proxies");
}

TEST_CASE("users[].admin: off by default, read per user, shown in the summary") {
  CleanEnv env;
  Config c = parse_config(minimal().dump());
  REQUIRE(c.users.size() == 1);
  CHECK_FALSE(c.users[0].admin);

  json j = minimal();
  j["users"][0]["admin"] = true;
  j["users"].push_back({{"name", "bob"}, {"password_hash", kHash}});
  c = parse_config(j.dump());
  CHECK(c.users[0].admin);
  CHECK_FALSE(c.users[1].admin);
  CHECK(dav115::config::summary(c).find("alice (admin), bob") != std::string::npos);

  j["users"][1]["admin"] = "yes";
  CHECK(error_setting(j) == "users[1].admin");
}

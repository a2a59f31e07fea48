#pragma once
// The gateway's configuration, as read from the JSON config file (plus DAV115_* environment overrides).
// Every setting is documented in config/dav115.example.json and the README's "Configuration" section.
#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace dav115::config {

// A configuration problem. `setting` is the dotted JSON path of the offending setting
// (e.g. "cloud115.page_size"); what() is one human sentence.
struct ConfigError : std::runtime_error {
  ConfigError(std::string setting, const std::string& message)
      : std::runtime_error(setting + ": " + message), setting(std::move(setting)) {}
  std::string setting;
};

struct ListenAddress {
  bool tls = false;          // "https://" in the config
  std::string host;          // e.g. "127.0.0.1" or "::"
  std::uint16_t port = 0;    // 0 = pick a free port (tests); the chosen one is logged and written to state_dir/port

  bool operator==(const ListenAddress&) const = default;
};

struct User {
  std::string name;
  std::string password_hash;  // "pbkdf2-sha256$<iterations>$<salt b64>$<hash b64>" (see http/password_hash.hpp)
  bool read_only = false;     // this user may read but never write
  bool admin = false;         // may open the admin page /admin/ (token, upstream and cache state)

  bool operator==(const User&) const = default;
};

struct RateLimit {
  double qps = 1.5;  // steady rate of 115 API calls, all endpoints together
  int burst = 3;

  bool operator==(const RateLimit&) const = default;
};

struct Cloud115 {
  // Optional: `dav115 login` stores a pair in state_dir instead. When set, it wins over a stored pair
  // that does not descend from it (the user pasted a new one).
  std::string refresh_token;            // or DAV115_REFRESH_TOKEN
  std::string access_token;             // optional; or DAV115_ACCESS_TOKEN
  std::string root_folder_id = "0";
  std::string api_base = "https://proapi.115.com";
  std::string passport_base = "https://passportapi.115.com";
  std::string qrcode_base = "https://qrcodeapi.115.com";  // the QR login's status long poll
  std::string app_id;                   // APP ID (client_id) of the 115 Open Platform app `dav115 login` uses
  std::string user_agent = "dav115/0.1";
  int page_size = 1150;                 // 1..1150
  // Re-list a known folder newest-first (o=user_utime, asc=0) and stop at the first unchanged entry.
  // Off by default: that 115 honours this order on /open is UNCONFIRMED.
  bool list_changes_first = false;
  RateLimit rate_limit;
  std::chrono::seconds cooldown{60};    // pause of all calls after 770004 / 406 / a WAF page
  std::chrono::seconds refresh_margin{300};  // refresh this long before expires_in runs out
  std::chrono::milliseconds request_timeout{20000};
  bool verify_tls = true;
  std::string ca_file;                  // extra CA bundle (empty = system store)

  bool operator==(const Cloud115&) const = default;
};

struct Cache {
  std::chrono::seconds listing_ttl{60};
  std::chrono::seconds quota_ttl{300};
  std::size_t max_cached_folders = 20000;
  // Rendered PROPFIND Depth-1 children kept for reuse, per listing version and property set (0: off).
  std::size_t rendered_listing_bytes = 64ull << 20;

  bool operator==(const Cache&) const = default;
};

// The metadata index in <state_dir>/dav115.db: listings and download links kept across restarts.
struct Index {
  bool enabled = true;
  // Entries kept at most (0: no bound); past it the least recently used folders are evicted.
  // About 200 bytes of disk per entry (docs/PERFORMANCE.md), so the default is about 200 MB.
  std::uint64_t max_entries = 1'000'000;

  bool operator==(const Index&) const = default;
};

struct Limits {
  std::size_t max_connections = 1024;
  std::size_t max_header_bytes = 16 * 1024;
  std::size_t max_request_line_bytes = 8 * 1024;
  std::size_t max_propfind_body_bytes = 64 * 1024;
  // Far more named properties than any real client asks for (rclone 4, Kodi 5, davfs2 7): each one is
  // echoed in every entry of a listing, so the count multiplies the size of the answer.
  std::size_t max_propfind_properties = 200;
  std::size_t max_other_body_bytes = 0;  // GET/HEAD/OPTIONS carry no body
  std::chrono::seconds header_timeout{15};
  std::chrono::seconds body_timeout{30};
  std::chrono::seconds idle_timeout{60};
  std::chrono::seconds write_timeout{60};
  std::chrono::seconds client_deadline{25};  // how long a request may wait for upstream before 503
  // Per-address fairness (503 + Retry-After over the cap, like max_connections). 64 fits rclone's
  // heaviest common setting (--transfers 32 --checkers 32) yet lets one address hold at most 1/16 of
  // the default max_connections. Trusted proxies (see Config::trusted_proxies) are exempt.
  std::size_t max_connections_per_ip = 64;
  // After this many requests a keep-alive connection is closed (Connection: close), as nginx's
  // keepalive_requests does, so one client cannot pin a connection (and its memory) forever.
  std::size_t max_requests_per_connection = 1000;

  bool operator==(const Limits&) const = default;
};

struct Auth {
  int max_failures = 5;                   // per client address, inside `failure_window`
  std::chrono::seconds failure_window{300};
  std::chrono::seconds lockout{300};      // 429 for this long once max_failures is reached
  std::string realm = "dav115";

  bool operator==(const Auth&) const = default;
};

struct Tls {
  std::string cert;  // PEM chain
  std::string key;   // PEM key

  bool operator==(const Tls&) const = default;
};

struct DeliveryRule {
  std::string user_agent_regex;  // ECMAScript, case-insensitive, searched in the User-Agent
  std::string policy;            // "redirect" | "local_proxy" | "proxy_url"

  bool operator==(const DeliveryRule&) const = default;
};

struct Delivery {
  std::string policy = "redirect";
  std::vector<DeliveryRule> rules;            // first match wins; defaults: see config/defaults
  std::string proxy_url;                      // base of the download proxy (policy proxy_url)
  std::string proxy_sign_key;                 // HMAC key for proxy_url signatures (or DAV115_PROXY_SIGN_KEY)
  std::chrono::seconds proxy_link_ttl{3600};
  std::vector<std::string> cdn_host_allowlist{"*.115cdn.net", "*.115.com", "*.115cdn.com"};
  bool allow_plain_http_cdn = false;          // only for the emulator
  std::chrono::seconds link_expiry_margin{300};

  bool operator==(const Delivery&) const = default;
};

// How PUT bodies are staged and sent to 115's storage (OSS).
struct Upload {
  std::string spool_dir;                 // "" = <state_dir>/spool; bodies are staged here, then removed
  std::uint64_t max_file_bytes = 0;      // a larger PUT is refused with 413 (0 = no limit)
  // Free space left on the spool's file system after a PUT has been staged; less -> 507 before the body.
  std::uint64_t spool_reserve_bytes = 64ull << 20;
  std::string oss_endpoint;              // "" = the endpoint upload/get_token returns
  bool oss_path_style = false;           // bucket in the path, not the host name (the emulator)
  // Files of this size or more go up as a multipart upload; smaller ones in one PutObject.
  std::uint64_t multipart_threshold_bytes = 20ull << 20;
  std::uint64_t part_bytes = 20ull << 20;  // grown as needed to stay under 10,000 parts
  int part_retries = 3;                    // further tries of a failed part (a part is idempotent)
  std::chrono::seconds oss_timeout{300};   // one OSS request (a whole part)

  bool operator==(const Upload&) const = default;
};

struct Config {
  std::vector<ListenAddress> listen;  // at least one
  std::string mount_path = "/";       // always begins and ends with '/'
  std::vector<User> users;
  bool allow_anonymous = false;       // anonymous users may read, never write
  bool read_only = false;             // no writes for anyone: DAV class 1, write methods get 405
  Tls tls;
  Cloud115 cloud115;
  Cache cache;
  Index index;
  Limits limits;
  Auth auth;
  Delivery delivery;
  Upload upload;
  std::string state_dir = "./state";
  std::string log_level = "info";
  std::string access_log = "-";       // "-" = stderr with the other logs, "" = off, else a file path
  int threads = 0;                    // 0 = one per core
  // IPs / CIDR ranges of reverse proxies whose X-Forwarded-For is believed (lockout, access log).
  std::vector<std::string> trusted_proxies;
  std::string source_path;            // the file it was read from (for SIGHUP reload)

  bool operator==(const Config&) const = default;
};

// Parses, applies the DAV115_* environment overrides (DAV115_REFRESH_TOKEN, DAV115_ACCESS_TOKEN,
// DAV115_PROXY_SIGN_KEY: set and non-empty wins over the file), fills defaults (delivery.rules when the
// key is absent) and validates; throws ConfigError naming the first bad setting.
Config parse_config(const std::string& json_text, const std::string& source_path = {});
Config load_config(const std::string& path);  // reads the file, then parse_config

// Checks a Config built in code (e.g. the demo mode) with the same rules as parse_config;
// normalises mount_path in place. Throws ConfigError.
void validate(Config& cfg);

// "http://127.0.0.1:8080" / "https://[::]:8443" -> ListenAddress; `setting` names it in the error.
ListenAddress parse_listen_url(const std::string& url, const std::string& setting);

// "[::]:8443"-style text for logs.
std::string to_string(const ListenAddress& addr);

// A multi-line human summary of the settings, without secrets (for `dav115 check-config`).
std::string summary(const Config& cfg);

// The delivery rules used when the config gives none: Windows' WebClient follows no cross-host redirects.
std::vector<DeliveryRule> default_delivery_rules();

}  // namespace dav115::config

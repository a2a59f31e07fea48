#pragma once
// Every command-line setting of fake115 (see main.cpp for the flag names and help texts).
#include <cstdint>
#include <string>
#include <vector>

namespace dav115::fake115 {

struct Options {
  std::string listen = "127.0.0.1:0";
  std::string public_base;          // host put into CDN links; empty = the listening base URL
  std::string state_dir;            // empty = a fresh directory under /tmp
  std::string tree_file;            // fixture JSON; empty = a tiny built-in tree
  bool include_optional = false;    // expand generator directives marked "optional": true
  std::uint64_t max_file_size = UINT64_MAX;  // files larger than this are left out of the tree
  std::string missing_cid = "root"; // listing of an unknown cid: "root" (115's quirk) or "error" (430004)

  std::string refresh_token;        // initial tokens; generated when empty
  std::string access_token;
  int access_ttl = 7200;            // seconds
  int old_access_grace = 0;         // seconds the previous access token survives a refresh
  int min_refresh_interval = 0;     // seconds; 0 = off
  std::string app_id = "100000001"; // the only client_id the QR login (authDeviceCode) accepts

  int link_ttl = 3600;              // CDN link lifetime, seconds
  int cdn_max_conns = 2;            // `c` in CDN links; 0 = unlimited

  double qps = 50;
  double burst = 100;
  std::int64_t daily_quota = 1000000;

  int latency_ms = 0;
  std::vector<std::string> fail_rules;  // "PATH:MODE:COUNT" (PATH "*" = any)
  std::string cdn_cut;                  // "BYTES:COUNT"
  std::string list_short_pages;         // "MAX_ENTRIES:COUNT"
  int list_shift = 0;                   // listing pages answered as if the folder shifted

  // HTTPS: a second listener with this certificate; CDN links then point at it (https).
  std::string tls_cert, tls_key;
  std::string tls_listen = "127.0.0.1:0";

  // Uploads (endpoints_upload.cpp, oss.cpp).
  std::string upload_dir;            // uploaded bytes; empty = STATE_DIR/oss (emptied at start)
  std::string oss_bucket = "fhnfile";
  int sts_ttl = 3600;                // seconds get_token's credentials stay valid
  std::string get_token_shape = "object";  // "object" (what SDK-OL decodes) or "array" (the doc's type)
  std::uint64_t sign_check_min = 1024 * 1024;  // instant uploads of files this big need the sign check

  int threads = 2;
};

}  // namespace dav115::fake115

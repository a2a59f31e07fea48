#pragma once
// What the admin page shows, as plain figures: app/ fills it from the 115 client, the tree, the
// metadata index and the config, so the page never sees a cloud115 or store type.
#include <boost/asio/awaitable.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace dav115::admin {

struct TokenFigures {
  std::string state;                   // "valid", "refreshing", "reauth_required" or "unknown"
  std::int64_t access_expires_at = 0;  // unix seconds; 0 = unknown
  std::int64_t last_refresh_at = 0;    // unix seconds of the last refresh by this process; 0 = none yet
  std::string origin;                  // where the pair in use came from, in words ("the config file", ...)
  std::uint64_t refreshes = 0;         // since start
  std::string persist_error;           // the pair in use is not saved (being retried); empty = saved
};

struct UpstreamFigures {
  bool cooling_down = false;
  std::int64_t cooldown_until = 0;     // unix seconds
  std::string last_error;              // no secrets
  std::uint64_t calls_today = 0;       // 115 API calls since midnight (UTC+8, see cloud115)
  std::uint64_t calls_total = 0;       // since start
  double qps = 0;                      // the rate governor's settings
  int burst = 0;
};

struct CacheFigures {
  std::uint64_t hits = 0, misses = 0, stale_served = 0, revalidations = 0, revalidation_failures = 0;
  std::uint64_t folders_cached = 0;
};

struct IndexFigures {
  bool enabled = false;
  std::string error;                   // why the figures are missing (unreadable file); empty = fine
  std::uint64_t folders = 0, entries = 0, links = 0;
  std::uint64_t bytes_on_disk = 0;     // dav115.db + -wal
  std::int64_t oldest_listing_at = 0;  // unix seconds; 0 = no listing
};

struct DeliveryFigures {
  std::string policy;                                      // the default policy
  std::vector<std::pair<std::string, std::string>> rules;  // (User-Agent regex, policy), first match wins
  std::string proxy_url;                                   // never the sign key
};

struct Status {
  std::string version;
  std::int64_t now = 0;                // unix seconds, when the figures were taken
  TokenFigures token;
  UpstreamFigures upstream;
  CacheFigures cache;
  IndexFigures index;
  DeliveryFigures delivery;
};

// Gathers the figures; may read the index off the I/O threads, hence a coroutine.
using StatusProvider = std::function<boost::asio::awaitable<Status>()>;

}  // namespace dav115::admin

#pragma once
// The 115 drive as the rest of the gateway sees it: plain structs, no JSON.
#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace dav115::cloud115 {

struct Entry {
  std::string id;         // 19-digit decimal string; never converted to a number
  std::string parent_id;
  std::string name;       // as 115 stores it (NFC in practice)
  bool is_dir = false;
  std::uint64_t size = 0;
  std::int64_t mtime = 0; // unix seconds ("upt")
  std::int64_t ctime = 0; // unix seconds ("uppt"), falls back to mtime
  std::string sha1;       // upper-case hex; empty for folders
  std::string pick_code;  // needed for download links
};

struct Quota {
  std::uint64_t total = 0;
  std::uint64_t used = 0;
  std::uint64_t remain = 0;
};

struct DownloadLink {
  std::string url;             // the CDN URL ("url.url")
  std::string user_agent;      // the UA it was minted for; fetch it with exactly this UA
  std::int64_t expires_at = 0; // unix seconds, from the URL's `t` (0 if absent)
  int max_connections = 0;     // from the URL's `c` (0 = unlimited)
  std::uint64_t size = 0;
  std::string sha1;
};

// A file staged on local disk for upload, with the digests upload/init needs (computed while it was
// received, so the uploader never hashes the whole file again).
struct UploadSource {
  std::string path;        // local file; read, never modified or removed by the uploader
  std::uint64_t size = 0;
  std::string sha1;        // upper-case hex SHA-1 of the whole file
  std::string pre_sha1;    // upper-case hex SHA-1 of the first 128 KiB (the whole file if smaller)
};

struct UploadResult {
  Entry entry;                  // the file as 115 now has it (id, pick_code, size, sha1, name)
  bool instant = false;         // 115 already had the bytes: none were sent
  std::uint64_t bytes_sent = 0; // to OSS
};

enum class Priority { Interactive, Background };

struct CallOptions {
  Priority priority = Priority::Interactive;
  // The latest moment a result is still useful (the waiting client's deadline).
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::now() + std::chrono::seconds(25);
};

// Why a call failed, in terms the layers above can act on.
enum class ErrorKind {
  NotFound,        // 430004, 50003, empty downurl data, ...
  RateLimited,     // 770004, 406 quota, 40140117, WAF 405 page, after retries ran out of deadline
  Unavailable,     // transport errors, non-JSON / empty bodies, 5xx, after retries ran out of deadline
  ReauthRequired,  // 40140116 / 40140119 / 40140120 (and 40140114/15): the refresh token is dead
  AlreadyExists,   // 20004: a folder of that name exists
  Other,           // any other API error code
};

struct ApiError : std::runtime_error {
  ApiError(ErrorKind kind, long long code, const std::string& message,
           std::chrono::seconds retry_after = std::chrono::seconds(0))
      : std::runtime_error(message), kind(kind), code(code), retry_after(retry_after) {}
  ErrorKind kind;
  long long code;                   // 115's code (0 for transport errors)
  std::chrono::seconds retry_after; // hint for Retry-After
  // A write that was sent but whose answer never came (timeout, reset): it may have happened. Such a
  // call is never retried blindly; the caller re-reads the folder to learn the outcome.
  bool uncertain = false;
};

// Health of the upstream, for /healthz.
enum class TokenState { Valid, Refreshing, ReauthRequired, Unknown };
// Where the token pair in use came from: the config (or its environment variables) at start, the
// pair saved in state_dir at start, or a new refresh token adopted on SIGHUP.
enum class TokenOrigin { Unknown, Config, StateDir, Reload, Login };

struct UpstreamStatus {
  TokenState token = TokenState::Unknown;
  std::int64_t access_expires_at = 0;  // unix seconds
  bool cooling_down = false;           // all calls paused after a rate-limit signal
  std::int64_t cooldown_until = 0;     // unix seconds
  std::string last_error;              // human text of the last upstream failure (no secrets)
  std::uint64_t refreshes = 0;
  std::string persist_error;           // the token pair in use could not be saved (retrying); empty = saved
  std::int64_t last_refresh_at = 0;    // unix seconds of this process's last successful refresh; 0 = none
  TokenOrigin origin = TokenOrigin::Unknown;
  std::uint64_t calls_today = 0;       // API calls of every kind and result since midnight UTC+8 (115's day)
};

}  // namespace dav115::cloud115

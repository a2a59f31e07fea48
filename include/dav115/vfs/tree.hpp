#pragma once
// The 115 folder tree under the configured root, as paths. Resolves decoded path segments to nodes
// through cached folder listings: one upstream listing per folder however many clients ask
// (single-flight), fresh for `listing_ttl`, then served stale while revalidated in the background,
// and kept when revalidation fails.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

#include "dav115/cloud115/api.hpp"
#include "dav115/config/config.hpp"

namespace dav115::vfs {

using Deadline = std::chrono::steady_clock::time_point;

struct Node {
  std::string name;         // unique within its parent (see disambiguate.hpp); "" for the root
  bool is_dir = false;
  std::uint64_t size = 0;
  std::int64_t mtime = 0;   // unix seconds
  std::int64_t ctime = 0;   // unix seconds
  std::string sha1;         // upper-case hex, files only
  std::string id;           // opaque upstream id
  std::string pick_code;    // opaque upstream download handle
  bool operator==(const Node&) const = default;
};

// One folder's children, immutable once built; shared by every reader of that version.
struct Listing {
  std::vector<Node> entries;   // in upstream order, names already unique
  // Process-wide unique per content: a refresh that changes nothing keeps the old number, so
  // (folder id, version) can key rendered fragments.
  std::uint64_t version = 0;
  std::chrono::steady_clock::time_point fetched_at;
  // NFC-normalised name -> index into entries.
  std::unordered_map<std::string, std::size_t> by_nfc_name;
  const Node* find(const std::string& nfc_name) const;
};

// The upstream could not answer in time: the client gets 503/429 with Retry-After, never 404/empty.
struct BackendError : std::runtime_error {
  enum class Kind { Unavailable, RateLimited, ReauthRequired };
  BackendError(Kind kind, const std::string& message, std::chrono::seconds retry_after)
      : std::runtime_error(message), kind(kind), retry_after(retry_after) {}
  Kind kind;
  std::chrono::seconds retry_after;
};

// A folder vanished upstream between stat() and list() (moved or deleted): the client gets 404.
struct NotFoundError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// revalidations / revalidation_failures count completed background refreshes by outcome.
struct CacheStats {
  std::uint64_t hits = 0, misses = 0, stale_served = 0, revalidations = 0, revalidation_failures = 0;
  std::size_t folders_cached = 0;
};

class Tree {
 public:
  // Where "now" comes from for cache ages; tests pass a manual clock to expire TTLs without waiting.
  using Clock = std::function<std::chrono::steady_clock::time_point()>;

  Tree(boost::asio::any_io_executor ex, cloud115::Api& api, const config::Config& cfg, Clock clock = {});
  ~Tree();

  // The node at `segments` (decoded, UTF-8, each non-empty, no "." or ".."), relative to the root.
  // An empty vector is the root. nullopt when a segment does not exist (or a parent is a file).
  // Throws BackendError when the upstream cannot answer.
  boost::asio::awaitable<std::optional<Node>> stat(std::vector<std::string> segments, Deadline deadline);

  // The children of a folder node. Throws BackendError, or NotFoundError if the folder vanished.
  boost::asio::awaitable<std::shared_ptr<const Listing>> list(Node dir, Deadline deadline);

  // Forget the cached listing of one folder (after a write changed it); the next read refetches.
  void invalidate(const std::string& folder_id);

  // Space figures for quota properties (cached for cache.quota_ttl).
  boost::asio::awaitable<cloud115::Quota> quota(Deadline deadline);

  // Synthetic: name "", is_dir, id = cloud115.root_folder_id, mtime/ctime 0 (the root's own times are
  // not in any listing, and fetching them would cost an upstream call per root PROPFIND).
  const Node& root() const;
  CacheStats stats() const;
  cloud115::UpstreamStatus upstream_status() const;

  // The upstream api (delivery asks it for download links).
  cloud115::Api& api();

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace dav115::vfs

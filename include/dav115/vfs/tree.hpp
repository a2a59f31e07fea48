#pragma once
// The 115 folder tree under the configured root, as paths. Resolves decoded path segments to nodes
// through cached folder listings: one upstream listing per folder however many clients ask
// (single-flight), fresh for `listing_ttl`, then served stale while revalidated in the background,
// and kept when revalidation fails.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
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
};

// One folder's children, immutable once built; shared by every reader of that version.
struct Listing {
  std::vector<Node> entries;   // in upstream order, names already unique
  std::uint64_t version = 0;   // bumps whenever the content changes
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

struct CacheStats {
  std::uint64_t hits = 0, misses = 0, stale_served = 0, revalidations = 0, revalidation_failures = 0;
  std::size_t folders_cached = 0;
};

class Tree {
 public:
  Tree(boost::asio::any_io_executor ex, cloud115::Api& api, const config::Config& cfg);
  ~Tree();

  // The node at `segments` (decoded, UTF-8, each non-empty, no "." or ".."), relative to the root.
  // An empty vector is the root. nullopt when a segment does not exist (or a parent is a file).
  // Throws BackendError when the upstream cannot answer.
  boost::asio::awaitable<std::optional<Node>> stat(std::vector<std::string> segments, Deadline deadline);

  // The children of a folder node.
  boost::asio::awaitable<std::shared_ptr<const Listing>> list(Node dir, Deadline deadline);

  // Space figures for quota properties (cached for cache.quota_ttl).
  boost::asio::awaitable<cloud115::Quota> quota(Deadline deadline);

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

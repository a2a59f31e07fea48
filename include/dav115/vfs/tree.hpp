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

#include "dav115/config/config.hpp"

namespace dav115::cloud115 {
class Api;
}
namespace dav115::store {
class MetadataIndexAsync;
}

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

// Space figures of the drive, for the quota properties.
struct Quota {
  std::uint64_t total = 0;
  std::uint64_t used = 0;
  std::uint64_t remain = 0;
};

// A time-limited direct link to a file's bytes on the storage's CDN.
struct DownloadLink {
  std::string url;
  std::string user_agent;      // the UA it was minted for: fetch it with exactly this UA
  std::int64_t expires_at = 0; // unix seconds (0 = unknown)
  int max_connections = 0;     // connections the CDN allows on this link (0 = unlimited)
  std::uint64_t size = 0;
  std::string sha1;
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

// The upstream confirmed that the object is gone (moved or deleted): the client gets 404. Only thrown
// after the upstream said so for the object itself, never on a glitch or an empty answer.
struct NotFoundError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A file body staged on local disk, with the digests the storage's upload needs.
struct StagedUpload {
  std::string path;
  std::uint64_t size = 0;
  std::string sha1;      // upper-case hex, whole file
  std::string pre_sha1;  // upper-case hex, first 128 KiB
};

// The name is taken (another client won a race): MKCOL answers 405, COPY/MOVE 412.
struct AlreadyExistsError : std::runtime_error {
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

  // With an `index`, listings are also kept there and a folder missing from the cache is read back
  // from it before 115 is asked (a restart then costs no listing calls).
  Tree(boost::asio::any_io_executor ex, cloud115::Api& api, const config::Config& cfg, Clock clock = {},
       std::shared_ptr<store::MetadataIndexAsync> index = nullptr);
  ~Tree();

  // The node at `segments` (decoded, UTF-8, each non-empty, no "." or ".."), relative to the root.
  // An empty vector is the root. nullopt when a segment does not exist (or a parent is a file).
  // Throws BackendError when the upstream cannot answer.
  boost::asio::awaitable<std::optional<Node>> stat(std::vector<std::string> segments, Deadline deadline);

  // The children of a folder node. Throws BackendError, or NotFoundError if the folder vanished.
  boost::asio::awaitable<std::shared_ptr<const Listing>> list(Node dir, Deadline deadline);

  // Forget the cached listing of one folder (after a write changed it); the next read refetches.
  void invalidate(const std::string& folder_id);

  // --- Writes. Each returns once the storage confirmed it; the change then shows in every listing at
  // once (write-through), even while the storage's own listings lag behind. They throw BackendError
  // (503/429 for the client), NotFoundError when a node vanished, AlreadyExistsError.
  // `replacing` names an existing child of the target that the new object replaces: it goes to the
  // recycle bin only after the new one is in place, so there is never a moment with neither.

  // A new folder `name` in `parent`.
  boost::asio::awaitable<Node> make_folder(Node parent, std::string name, Deadline deadline);
  // A new file `name` in `parent` with the staged bytes (instant when the storage has them already).
  boost::asio::awaitable<Node> put_file(Node parent, std::string name, StagedUpload upload,
                                        std::optional<Node> replacing, Deadline deadline);
  // `node` (a child of `parent`) and everything inside it, to the recycle bin.
  boost::asio::awaitable<void> remove(Node parent, Node node, Deadline deadline);
  // `node`, a child of `from`, becomes `name` in `to` (a rename when from == to).
  boost::asio::awaitable<Node> move(Node from, Node node, Node to, std::string name, std::optional<Node> replacing,
                                    Deadline deadline);
  // A copy of `node` (and its contents) as `name` in `to`.
  boost::asio::awaitable<Node> copy(Node node, Node to, std::string name, std::optional<Node> replacing,
                                    Deadline deadline);

  // Space figures for quota properties (cached for cache.quota_ttl).
  boost::asio::awaitable<Quota> quota(Deadline deadline);
  // For allprop, where quota is a bonus that must not hold up a listing (after a restart the index
  // answers at once; 115 may take seconds): the last figures known, however old, at once; none known
  // yet, those a refresh brings within `patience`, else nullopt. A missing or stale value (past
  // cache.quota_ttl) starts one refresh in the background.
  boost::asio::awaitable<std::optional<Quota>> quota_if_quick(std::chrono::milliseconds patience);

  // A fresh download link for a file node, minted for `user_agent`. Throws BackendError, or
  // NotFoundError when the upstream confirms the file is gone.
  boost::asio::awaitable<DownloadLink> download_link(Node file, std::string user_agent, Deadline deadline);

  // Synthetic: name "", is_dir, id = cloud115.root_folder_id, mtime/ctime 0 (the root's own times are
  // not in any listing, and fetching them would cost an upstream call per root PROPFIND).
  const Node& root() const;
  CacheStats stats() const;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace dav115::vfs

#pragma once
// Bounded, thread-safe map folder id -> latest Listing, evicting the least recently used folder.
// It also remembers which folders have a background revalidation running (so a stale folder is
// revalidated once, not once per reader) and backs off after a failed revalidation.
#include <chrono>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "dav115/vfs/tree.hpp"

namespace dav115::vfs {

class FolderCache {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  FolderCache(std::chrono::steady_clock::duration ttl, std::size_t max_folders);

  struct Lookup {
    std::shared_ptr<const Listing> listing;  // null on a miss
    bool fresh = false;
    bool start_revalidation = false;  // the caller was elected to revalidate this stale listing
  };
  // Marks the folder most recently used.
  Lookup lookup(const std::string& folder_id, TimePoint now);

  // The cached listing if it is still fresh (no LRU update, no revalidation election).
  std::shared_ptr<const Listing> fresh(const std::string& folder_id, TimePoint now) const;
  // The cached listing whatever its age (no LRU update).
  std::shared_ptr<const Listing> peek(const std::string& folder_id) const;

  // A listing patched in place (after a write) or known without asking (a new folder): replaces what
  // is cached, keeping the cached listing's request number.
  void store(const std::string& folder_id, std::shared_ptr<const Listing> listing);

  // A listing read back from the metadata index: stored only when the folder has no slot at all, since
  // anything this process already holds is at least as new. Numbered 0, so every upstream listing
  // replaces it. Returns what is cached now.
  std::shared_ptr<const Listing> store_if_absent(const std::string& folder_id, std::shared_ptr<const Listing> listing);

  // Numbers upstream listing requests in the order they are sent: take one just before asking.
  std::uint64_t next_request();
  // Stores a listing fetched from upstream by request `request`, unless the cached one came from a
  // later request: listings can land out of order (a background revalidation is slower than an
  // interactive fetch), and an older snapshot must not replace a newer one. Returns what is cached now.
  std::shared_ptr<const Listing> store_fetched(const std::string& folder_id, std::shared_ptr<const Listing> listing,
                                               std::uint64_t request);
  // Keeps the stale listing; no new revalidation before `retry_not_before`.
  void revalidation_failed(const std::string& folder_id, TimePoint retry_not_before);
  void erase(const std::string& folder_id);
  std::size_t size() const;

 private:
  struct Slot {
    std::shared_ptr<const Listing> listing;
    std::list<std::string>::iterator lru_pos;
    bool revalidating = false;
    TimePoint retry_not_before{};
    std::uint64_t request = 0;  // the upstream request the listing (or the one it patched) came from
  };
  void store_locked(const std::string& folder_id, std::shared_ptr<const Listing> listing,
                    std::optional<std::uint64_t> request);
  bool is_fresh(const Listing& l, TimePoint now) const { return now - l.fetched_at < ttl_; }

  const std::chrono::steady_clock::duration ttl_;
  const std::size_t max_folders_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Slot> slots_;
  std::list<std::string> lru_;  // front = most recently used
  std::uint64_t requests_ = 0;
};

}  // namespace dav115::vfs

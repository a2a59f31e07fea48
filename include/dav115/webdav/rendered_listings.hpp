#pragma once
// The <D:response> elements of a folder's children, rendered once per listing version and property
// set and reused by every PROPFIND Depth 1 that asks the same: a repeated listing is then a gather of
// ready pieces. A new version of a listing (a write, a refresh that found changes) re-renders only the
// entries whose node changed; the others are copied from the previous version's pieces. Pieces never
// carry client state (dead properties, client-set times): entries with some are rendered per request.
// Bounded in bytes, least recently used first out. Thread-safe.
#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "dav115/vfs/tree.hpp"
#include "dav115/webdav/propfind_request.hpp"

namespace dav115::webdav {

class MultistatusWriter;

// One listing version's children, rendered for one property set and href.
struct RenderedChildren {
  std::shared_ptr<const vfs::Listing> listing;  // the version rendered (keeps its nodes for the next reuse)
  std::string xml;                              // every child's <D:response>, back to back
  std::vector<std::size_t> ends;                // child i is xml[ends[i-1] (or 0), ends[i])
  std::string_view piece(std::size_t i) const {
    const std::size_t begin = i == 0 ? 0 : ends[i - 1];
    return std::string_view(xml).substr(begin, ends[i] - begin);
  }
};

class RenderedListings {
 public:
  struct Stats {
    std::uint64_t hits = 0;          // answered from the pieces of the same version
    std::uint64_t rebuilds = 0;      // a new version, built from the previous one's pieces
    std::uint64_t pieces_reused = 0; // entries copied rather than rendered in those rebuilds
    std::uint64_t pieces_rendered = 0;
    std::uint64_t too_big = 0;       // versions over half the budget: rendered per request instead
    std::size_t bytes = 0;
  };

  explicit RenderedListings(std::size_t max_bytes) : max_bytes_(max_bytes) {}

  // The children of `listing` rendered as `request` asks, under `children_href` (percent-encoded, ends
  // in '/'). Renders what no earlier version has. Null when the cache is off (max_bytes 0) or the
  // rendering would take more than half of it: the caller then renders as the client reads.
  std::shared_ptr<const RenderedChildren> get(const PropfindRequest& request, const std::string& children_href,
                                              const std::shared_ptr<const vfs::Listing>& listing);
  Stats stats() const;

 private:
  struct Slot {
    std::shared_ptr<const RenderedChildren> rendered;
    std::list<std::string>::iterator lru;
  };
  static std::string key_of(const PropfindRequest& request, const std::string& children_href);
  void store_locked(const std::string& key, std::shared_ptr<const RenderedChildren> rendered);

  const std::size_t max_bytes_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Slot> slots_;
  std::list<std::string> lru_;  // most recently used first
  // Key -> the listing version found too big to keep (over half the budget).
  static constexpr std::size_t kMaxTooBig = 4096;
  std::unordered_map<std::string, std::uint64_t> too_big_;
  std::unordered_set<std::string> rendering_;  // keys being rendered now
  Stats stats_;
};

}  // namespace dav115::webdav

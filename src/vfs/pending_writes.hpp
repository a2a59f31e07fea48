#pragma once
// Writes the storage confirmed but its folder listings may not show yet (115 lists a new file or a
// rename with a delay). Each listing, whether fetched from upstream or patched in place after a write,
// is passed through apply(), so a write shows at once and stays shown: also when a revalidation that
// began before the write lands after it. A write is forgotten once a listing from upstream agrees
// with it, or after `hold` at the latest.
#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "dav115/cloud115/types.hpp"

namespace dav115::vfs {

class PendingWrites {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  explicit PendingWrites(std::chrono::steady_clock::duration hold) : hold_(hold) {}

  // `entry` now exists in `folder_id` (created, copied, moved in or renamed: same id, new name).
  void added(const std::string& folder_id, cloud115::Entry entry, TimePoint now);
  // The object `id` is no longer in `folder_id` (deleted or moved out).
  void removed(const std::string& folder_id, const std::string& id, TimePoint now);

  // Makes `entries` (the children of `folder_id`) agree with the pending writes. With `from_upstream`,
  // a write the listing already shows is forgotten (confirmed); a patch of a cached listing confirms
  // nothing, since it may hold what earlier patches put there.
  void apply(const std::string& folder_id, std::vector<cloud115::Entry>& entries, TimePoint now, bool from_upstream);

  std::size_t size() const;

 private:
  struct Change {
    cloud115::Entry entry;  // for an addition
    bool is_addition = false;
    TimePoint until;
  };
  std::chrono::steady_clock::duration hold_;
  mutable std::mutex mu_;
  std::map<std::string, std::map<std::string, Change>> by_folder_;  // folder id -> object id -> change
};

}  // namespace dav115::vfs

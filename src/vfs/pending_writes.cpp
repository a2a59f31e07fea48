#include "pending_writes.hpp"

#include <algorithm>

namespace dav115::vfs {

void PendingWrites::added(const std::string& folder_id, cloud115::Entry entry, TimePoint now) {
  std::lock_guard lk(mu_);
  std::string id = entry.id;
  by_folder_[folder_id][id] = Change{std::move(entry), true, now + hold_};
}

void PendingWrites::removed(const std::string& folder_id, const std::string& id, TimePoint now) {
  std::lock_guard lk(mu_);
  by_folder_[folder_id][id] = Change{{}, false, now + hold_};
}

void PendingWrites::apply(const std::string& folder_id, std::vector<cloud115::Entry>& entries, TimePoint now,
                          bool from_upstream) {
  std::lock_guard lk(mu_);
  auto folder = by_folder_.find(folder_id);
  if (folder == by_folder_.end()) return;
  auto& changes = folder->second;
  for (auto it = changes.begin(); it != changes.end();) {
    const std::string& id = it->first;
    Change& change = it->second;
    auto pos = std::find_if(entries.begin(), entries.end(), [&](const cloud115::Entry& e) { return e.id == id; });
    bool confirmed = false;
    if (now >= change.until) {
      confirmed = true;  // held long enough: from now on the upstream listing alone is believed
    } else if (change.is_addition) {
      if (pos != entries.end() && pos->name == change.entry.name) {
        confirmed = from_upstream;
        if (!from_upstream) *pos = change.entry;
      } else if (pos != entries.end()) {
        *pos = change.entry;  // a rename upstream does not show yet
      } else {
        entries.push_back(change.entry);
      }
    } else {
      if (pos != entries.end()) entries.erase(pos);
      else confirmed = from_upstream;
    }
    it = confirmed ? changes.erase(it) : std::next(it);
  }
  if (changes.empty()) by_folder_.erase(folder);
}

std::size_t PendingWrites::size() const {
  std::lock_guard lk(mu_);
  std::size_t n = 0;
  for (const auto& [folder, changes] : by_folder_) n += changes.size();
  return n;
}

}  // namespace dav115::vfs

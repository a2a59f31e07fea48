#include "dav115/cloud115/changes_first.hpp"

#include <algorithm>

namespace dav115::cloud115 {

bool unchanged(const Entry& now, const Entry& before) {
  return now.id == before.id && now.name == before.name && now.mtime == before.mtime && now.size == before.size &&
         now.is_dir == before.is_dir;
}

ChangesFirstScan::ChangesFirstScan(const std::vector<Entry>& known) {
  known_.reserve(known.size());
  for (const auto& e : known) known_.emplace(e.id, &e);
}

ChangesFirstScan::Step ChangesFirstScan::feed(const std::vector<Entry>& page) {
  for (const auto& e : page) {
    if (last_mtime_ && e.mtime > *last_mtime_) {
      why_ = "entry " + e.id + " is newer than the one before it: not newest first";
      return Step::Unsound;
    }
    last_mtime_ = e.mtime;
    // Entries dated like the first unchanged one may still have changed (same second): read past them.
    if (stop_mtime_ && e.mtime < *stop_mtime_) {
      stopped_ = true;
      return Step::Done;
    }
    if (!seen_ids_.insert(e.id).second) {
      why_ = "entry " + e.id + " appeared twice";
      return Step::Unsound;
    }
    auto k = known_.find(e.id);
    if (!stop_mtime_ && k != known_.end() && unchanged(e, *k->second)) stop_mtime_ = e.mtime;
    seen_.push_back(e);
  }
  return Step::More;
}

std::optional<std::vector<Entry>> ChangesFirstScan::result(std::uint64_t count) {
  std::vector<Entry> all = seen_;
  if (stopped_)
    for (const auto& [id, e] : known_)
      if (!seen_ids_.count(id)) all.push_back(*e);
  if (all.size() != count) {
    why_ = std::to_string(seen_.size()) + " entries seen" +
           (stopped_ ? " and " + std::to_string(all.size() - seen_.size()) + " known" : std::string()) +
           " do not add up to the folder's count of " + std::to_string(count);
    return std::nullopt;
  }
  // The order of a full listing (o=file_name, asc=1), so an unchanged folder builds an identical listing.
  std::sort(all.begin(), all.end(), [](const Entry& a, const Entry& b) {
    if (a.is_dir != b.is_dir) return a.is_dir;
    return a.name != b.name ? a.name < b.name : a.id < b.id;
  });
  return all;
}

}  // namespace dav115::cloud115

#include "index_records.hpp"

namespace dav115::vfs {

std::int64_t wall_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

store::IndexFolder to_index_folder(const std::vector<cloud115::Entry>& entries, std::int64_t fetched_at_ms) {
  store::IndexFolder f;
  f.fetched_at_ms = fetched_at_ms;
  f.entries.reserve(entries.size());
  for (const auto& e : entries)
    f.entries.push_back(store::IndexEntry{e.id, e.name, e.is_dir, e.size, e.mtime, e.ctime, e.sha1, e.pick_code});
  return f;
}

std::vector<cloud115::Entry> entries_of(const store::IndexFolder& folder, const std::string& folder_id) {
  std::vector<cloud115::Entry> out;
  out.reserve(folder.entries.size());
  for (const auto& e : folder.entries)
    out.push_back(cloud115::Entry{e.id, folder_id, e.name, e.is_dir, e.size, e.mtime, e.ctime, e.sha1, e.pick_code});
  return out;
}

}  // namespace dav115::vfs

#include "dav115/vfs/listing_builder.hpp"

#include <atomic>

#include "dav115/vfs/disambiguate.hpp"

namespace dav115::vfs {

const Node* Listing::find(const std::string& nfc_name) const {
  auto it = by_nfc_name.find(nfc_name);
  return it == by_nfc_name.end() ? nullptr : &entries[it->second];
}

Node to_node(const cloud115::Entry& e, std::string unique_name) {
  Node n;
  n.name = std::move(unique_name);
  n.is_dir = e.is_dir;
  n.size = e.is_dir ? 0 : e.size;
  n.mtime = e.mtime;
  n.ctime = e.ctime ? e.ctime : e.mtime;
  n.sha1 = e.sha1;
  n.id = e.id;
  n.pick_code = e.pick_code;
  return n;
}

static std::uint64_t next_version() {
  static std::atomic<std::uint64_t> counter{0};
  return ++counter;
}

std::shared_ptr<const Listing> build_listing(const std::vector<cloud115::Entry>& entries, const Listing* previous,
                                             std::chrono::steady_clock::time_point fetched_at) {
  auto listing = std::make_shared<Listing>();
  auto names = unique_names(entries);
  listing->entries.reserve(entries.size());
  listing->by_nfc_name.reserve(entries.size());
  for (std::size_t i = 0; i < entries.size(); ++i) {
    listing->entries.push_back(to_node(entries[i], std::move(names[i].name)));
    listing->by_nfc_name.emplace(std::move(names[i].nfc_key), i);
  }
  listing->fetched_at = fetched_at;
  listing->version = (previous && previous->entries == listing->entries) ? previous->version : next_version();
  return listing;
}

}  // namespace dav115::vfs

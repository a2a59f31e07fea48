#pragma once
// Conversions between upstream listings and the metadata index's storage-neutral records (private to
// src/vfs/). The index keeps names as upstream gave them; build_listing makes them unique again.
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "dav115/cloud115/types.hpp"
#include "dav115/store/metadata_index.hpp"

namespace dav115::vfs {

// Unix milliseconds now: the index's times must survive a restart, which steady_clock's do not.
std::int64_t wall_now_ms();

store::IndexFolder to_index_folder(const std::vector<cloud115::Entry>& entries, std::int64_t fetched_at_ms);
std::vector<cloud115::Entry> entries_of(const store::IndexFolder& folder, const std::string& folder_id);

}  // namespace dav115::vfs

#pragma once
// Turns one upstream folder listing into the immutable, shared Listing the readers see.
#include <chrono>
#include <memory>
#include <vector>

#include "dav115/cloud115/types.hpp"
#include "dav115/vfs/tree.hpp"

namespace dav115::vfs {

Node to_node(const cloud115::Entry& e, std::string unique_name);

// Builds the listing with unique names and its NFC index. Keeps `previous`'s version when nothing
// changed (so cached renderings stay valid), otherwise takes a new process-wide version number.
std::shared_ptr<const Listing> build_listing(const std::vector<cloud115::Entry>& entries, const Listing* previous,
                                             std::chrono::steady_clock::time_point fetched_at);

}  // namespace dav115::vfs

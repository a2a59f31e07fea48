#pragma once
// The recycle bin (aid 7): what /open/ufile/delete took out of the tree, kept whole so /open/rb/revert
// can put it back with the same ids. Guarded by Emulator::write_mu.
#include <cstdint>
#include <string>
#include <vector>

#include "tree_model.hpp"

namespace dav115::fake115 {

struct RecycledItem {
  std::vector<Node> nodes;  // the deleted node first, then everything that was below it
  std::string parent_id, parent_name;
  std::int64_t dtime = 0;
  const Node& top() const { return nodes.front(); }
};

struct RecycleBin {
  std::vector<RecycledItem> items;  // oldest first
};

}  // namespace dav115::fake115

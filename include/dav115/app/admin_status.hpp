#pragma once
// Turns the 115 client's status, the tree's cache counters, the index figures and the config into
// the admin page's plain admin::Status (the page never sees cloud115 or store types).
#include <cstdint>
#include <optional>
#include <string>

#include "dav115/admin/status.hpp"
#include "dav115/cloud115/types.hpp"
#include "dav115/config/config.hpp"
#include "dav115/store/metadata_index.hpp"
#include "dav115/vfs/tree.hpp"

namespace dav115::app {

struct IndexReading {
  std::optional<store::IndexStats> stats;  // nullopt: the index is off, or the read failed (error)
  std::string error;
};

struct AdminInputs {
  cloud115::UpstreamStatus upstream;
  vfs::CacheStats cache;
  IndexReading index;
  std::uint64_t calls_total = 0;  // dav115_upstream_calls_total, all series
  std::int64_t now = 0;           // unix seconds
  std::string version;
};

admin::Status admin_status(const AdminInputs& in, const config::Config& cfg);

// "the config file", "state_dir (saved by an earlier run)", ...: what the page says about the origin.
std::string describe_origin(cloud115::TokenOrigin origin);

}  // namespace dav115::app

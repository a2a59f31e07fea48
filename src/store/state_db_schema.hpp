#pragma once
// The schema of <state_dir>/dav115.db and its migrations. PRAGMA user_version records how far a file
// has been migrated; each step moves it up by one inside a transaction, so a crash mid-way leaves the
// file at the previous version, and the next start runs the step again.
#include <cstdint>

#include "sqlite.hpp"

namespace dav115::store {

// The version this build writes. A file at a higher version came from a newer build.
inline constexpr std::int64_t kStateDbVersion = 2;

struct StateDbTooNew : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Brings `db` from its user_version up to kStateDbVersion. Throws StateDbTooNew for a newer file,
// sql::Error when SQLite fails.
void migrate_state_db(sql::Database& db);

}  // namespace dav115::store

#pragma once
// Opens <state_dir>/dav115.db ready for use (WAL, synchronous=NORMAL, busy timeout, schema migrated),
// and never lets a damaged file stop the gateway: dead properties are a convenience, serving files is
// the job.
#include <filesystem>

#include "sqlite.hpp"

namespace dav115::store {

// A file SQLite cannot read, that is not a database, fails its quick_check, or comes from a newer
// build is renamed to `<file>.corrupt-<unix time>` (its -wal and -shm alongside), with a warning, and
// a fresh database takes its place. If even that fails (read-only directory, disk full) the store
// runs on an in-memory database, with an error in the log: properties then last until restart.
sql::Database open_state_db(const std::filesystem::path& file);

}  // namespace dav115::store

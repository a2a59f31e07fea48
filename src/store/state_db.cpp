#include "state_db.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <string>
#include <system_error>

#include "state_db_schema.hpp"

namespace dav115::store {
namespace {

namespace fs = std::filesystem;

sql::Database open_checked(const std::string& file) {
  sql::Database db(file);
  // Before anything touches the file: another connection mid-checkpoint should delay us, not fail us.
  db.exec("PRAGMA busy_timeout = 5000");
  // The first statement that reads the header: a file that is not a database fails here (NOTADB).
  // WAL lets readers go on while a PROPPATCH commits; NORMAL skips the fsync per commit (a power cut
  // may lose the last commits, never corrupt the file), which is right for client-set properties.
  if (file != ":memory:" && db.query_text("PRAGMA journal_mode = WAL") != "wal")
    throw sql::Error(SQLITE_ERROR, "could not switch " + file + " to WAL mode");
  db.exec("PRAGMA synchronous = NORMAL");
  // Damage inside pages is only found when they are read: look once at start-up (milliseconds for
  // the sizes a property store reaches) rather than failing PROPFINDs later.
  const std::string verdict = db.query_text("PRAGMA quick_check");
  if (verdict != "ok") throw sql::Error(SQLITE_CORRUPT, "quick_check of " + file + ": " + verdict);
  migrate_state_db(db);
  return db;
}

// Renames the file and its companions aside; false when the database file could not be moved.
bool move_aside(const fs::path& file) {
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch()).count();
  const std::string aside = file.string() + ".corrupt-" + std::to_string(now);
  std::error_code ec;
  if (!fs::exists(file, ec)) return true;  // nothing to keep: the failure was elsewhere (directory)
  fs::rename(file, aside, ec);
  if (ec && fs::exists(file)) {
    spdlog::error("state db: cannot move {} aside: {}", file.string(), ec.message());
    return false;
  }
  // A stale -wal must not be replayed into the fresh file; keep it with the file it belongs to.
  for (const char* suffix : {"-wal", "-shm"}) {
    fs::path companion = file.string() + suffix;
    if (fs::exists(companion, ec)) fs::rename(companion, aside + suffix, ec);
  }
  spdlog::warn("state db: {} was unusable; moved it to {} and started an empty one (dead properties and "
               "client-set times are lost)",
               file.string(), aside);
  return true;
}

sql::Database in_memory(const fs::path& file, const std::exception& why) {
  spdlog::error("state db: cannot use {} ({}); dead properties will be kept in memory until restart",
                file.string(), why.what());
  return open_checked(":memory:");
}

}  // namespace

sql::Database open_state_db(const fs::path& file) {
  try {
    return open_checked(file.string());
  } catch (const sql::Error& e) {
    // Contention is not damage: never throw away a healthy file because it was locked.
    if (e.primary() == SQLITE_BUSY || e.primary() == SQLITE_LOCKED || e.primary() == SQLITE_NOMEM)
      return in_memory(file, e);
    spdlog::warn("state db: {}", e.what());
  } catch (const StateDbTooNew& e) {
    spdlog::warn("state db: {}", e.what());
  }
  if (!move_aside(file)) return in_memory(file, std::runtime_error("the damaged file could not be moved"));
  try {
    return open_checked(file.string());
  } catch (const std::exception& e) {
    return in_memory(file, e);
  }
}

}  // namespace dav115::store

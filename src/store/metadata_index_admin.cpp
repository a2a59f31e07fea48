// `dav115 index stats` and `clear`: whole-table work on the metadata index, outside the gateway.
#include <system_error>

#include "dav115/store/metadata_index.hpp"
#include "dav115/store/property_store.hpp"
#include "sqlite.hpp"
#include "state_db.hpp"

namespace dav115::store {

namespace {

std::uint64_t size_or_zero(const std::filesystem::path& file) {
  std::error_code ec;
  auto n = std::filesystem::file_size(file, ec);
  return ec ? 0 : n;
}

bool has_table(sql::Database& db, const char* name) {
  sql::Statement st(db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1");
  st.bind(1, name);
  return st.step();
}

}  // namespace

IndexStats read_index_stats(const std::filesystem::path& state_dir) {
  IndexStats s;
  const auto file = PropertyStore::database_file(state_dir);
  if (!std::filesystem::exists(file)) return s;
  sql::Database db(file.string());
  db.exec("PRAGMA busy_timeout = 5000");
  db.exec("PRAGMA query_only = ON");
  // One snapshot, so the counts agree with each other while a gateway writes.
  db.exec("BEGIN");
  if (has_table(db, "index_folders")) {  // an older database (before the index) has none yet
    s.folders = static_cast<std::uint64_t>(db.query_int("SELECT COUNT(*) FROM index_folders"));
    s.entries = static_cast<std::uint64_t>(db.query_int("SELECT COUNT(*) FROM index_entries"));
    s.links = static_cast<std::uint64_t>(db.query_int("SELECT COUNT(*) FROM index_links"));
    if (s.folders > 0) s.oldest_fetched_at_ms = db.query_int("SELECT MIN(fetched_at) FROM index_folders");
  }
  db.exec("COMMIT");
  s.db_bytes = size_or_zero(file);
  s.wal_bytes = size_or_zero(file.string() + "-wal");
  return s;
}

void clear_index(const std::filesystem::path& state_dir) {
  // open_state_db migrates an older file first, so the tables exist.
  sql::Database db = open_state_db(PropertyStore::database_file(state_dir));
  {
    sql::Transaction tx(db);
    db.exec("DELETE FROM index_entries; DELETE FROM index_folders; DELETE FROM index_links;");
    tx.commit();
  }
  // Give the pages back: a cleared 100,000-entry index would otherwise keep its size on disk.
  db.exec("VACUUM");
  db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
}

}  // namespace dav115::store

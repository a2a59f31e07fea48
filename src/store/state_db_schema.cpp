#include "state_db_schema.hpp"

#include <array>
#include <string>

namespace dav115::store {
namespace {

// Version 0 -> 1: dead properties and the times clients set (rclone, Windows, Finder PROPPATCH them
// after an upload). WITHOUT ROWID: every lookup is by file id, which leads both primary keys.
void to_v1(sql::Database& db) {
  db.exec(R"(
    CREATE TABLE dead_properties (
      file_id   TEXT NOT NULL,
      ns        TEXT NOT NULL,  -- namespace URI, '' for none
      name      TEXT NOT NULL,  -- local name
      value_xml TEXT NOT NULL,  -- the property element as the client sent it, with its xmlns
      PRIMARY KEY (file_id, ns, name)
    ) WITHOUT ROWID;
    CREATE TABLE client_times (
      file_id TEXT NOT NULL PRIMARY KEY,
      mtime   INTEGER,  -- unix seconds; NULL when only ctime was set
      ctime   INTEGER
    ) WITHOUT ROWID;
  )");
}

// Version 1 -> 2: the metadata index (listings and download links kept across restarts, so a restart
// costs no 115 calls). Entries are keyed by (folder, id), so a re-listing updates, inserts and deletes
// only the entries that changed; WITHOUT ROWID clusters them by folder, so a whole folder is one range
// scan (sorted by `position` in memory). Positions are sparse: an entry added or moved takes a free
// number between its neighbours, so the others keep theirs and are not rewritten.
void to_v2(sql::Database& db) {
  db.exec(R"(
    CREATE TABLE index_folders (
      folder_id   TEXT NOT NULL PRIMARY KEY,
      fetched_at  INTEGER NOT NULL,  -- unix ms, wall clock, when 115 gave the listing
      complete    INTEGER NOT NULL,  -- 1: every entry is here
      last_used   INTEGER NOT NULL,  -- unix ms, for eviction (least recently used first)
      entry_count INTEGER NOT NULL   -- rows in index_entries: the bound is kept without counting them
    ) WITHOUT ROWID;
    CREATE INDEX index_folders_by_last_used ON index_folders (last_used);
    CREATE TABLE index_entries (
      folder_id TEXT NOT NULL,
      id        TEXT NOT NULL,
      position  INTEGER NOT NULL,  -- upstream order, sparse
      name      TEXT NOT NULL,  -- as upstream gave it (made unique when the listing is rebuilt)
      is_dir    INTEGER NOT NULL,
      size      INTEGER NOT NULL,
      mtime     INTEGER NOT NULL,
      ctime     INTEGER NOT NULL,
      sha1      TEXT NOT NULL,
      pick_code TEXT NOT NULL,
      PRIMARY KEY (folder_id, id)
    ) WITHOUT ROWID;
    CREATE TABLE index_links (
      file_id         TEXT NOT NULL,
      user_agent      TEXT NOT NULL,
      url             TEXT NOT NULL,
      expires_at      INTEGER NOT NULL,  -- unix seconds
      max_connections INTEGER NOT NULL,
      size            INTEGER NOT NULL,
      sha1            TEXT NOT NULL,
      PRIMARY KEY (file_id, user_agent)
    ) WITHOUT ROWID;
  )");
}

// Step i takes a file from version i to version i + 1; the next issue appends its own here.
constexpr std::array<void (*)(sql::Database&), kStateDbVersion> kSteps{to_v1, to_v2};

}  // namespace

void migrate_state_db(sql::Database& db) {
  const std::int64_t found = db.query_int("PRAGMA user_version");
  if (found > kStateDbVersion)
    throw StateDbTooNew("dav115.db has schema version " + std::to_string(found) + ", this build knows " +
                        std::to_string(kStateDbVersion));
  for (std::int64_t v = found; v < kStateDbVersion; ++v) {
    sql::Transaction tx(db);
    kSteps[static_cast<std::size_t>(v)](db);
    // PRAGMA takes no bound parameters; v + 1 is our own integer.
    db.exec(("PRAGMA user_version = " + std::to_string(v + 1)).c_str());
    tx.commit();
  }
}

}  // namespace dav115::store

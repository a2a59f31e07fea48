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

// Step i takes a file from version i to version i + 1; the next issue appends its own here.
constexpr std::array<void (*)(sql::Database&), kStateDbVersion> kSteps{to_v1};

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

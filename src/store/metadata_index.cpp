#include "dav115/store/metadata_index.hpp"

#include "dav115/store/property_store.hpp"
#include "sqlite.hpp"
#include "state_db.hpp"

namespace dav115::store {

namespace {

using sql::Reset;

bool is_in_memory(const sql::Database& db) {
  const char* name = sqlite3_db_filename(db.handle(), "main");
  return name == nullptr || *name == '\0';
}

}  // namespace

struct MetadataIndex::Writer {
  explicit Writer(const std::filesystem::path& file)
      : db(open_state_db(file)),
        upsert_folder(db,
                      "INSERT INTO index_folders (folder_id, fetched_at, complete, last_used) VALUES (?1, ?2, ?3, ?4) "
                      "ON CONFLICT (folder_id) DO UPDATE SET fetched_at = excluded.fetched_at, "
                      "complete = excluded.complete, last_used = excluded.last_used"),
        clear_entries(db, "DELETE FROM index_entries WHERE folder_id = ?1"),
        insert_entry(db,
                     "INSERT INTO index_entries (folder_id, position, id, name, is_dir, size, mtime, ctime, sha1, "
                     "pick_code) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"),
        delete_folder(db, "DELETE FROM index_folders WHERE folder_id = ?1"),
        touch(db, "UPDATE index_folders SET last_used = ?2 WHERE folder_id = ?1"),
        upsert_link(db,
                    "INSERT INTO index_links (file_id, user_agent, url, expires_at, max_connections, size, sha1) "
                    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (file_id, user_agent) DO UPDATE SET "
                    "url = excluded.url, expires_at = excluded.expires_at, max_connections = excluded.max_connections, "
                    "size = excluded.size, sha1 = excluded.sha1"),
        delete_link(db, "DELETE FROM index_links WHERE file_id = ?1 AND user_agent = ?2") {}

  sql::Database db;
  sql::Statement upsert_folder, clear_entries, insert_entry, delete_folder, touch, upsert_link, delete_link;
};

struct MetadataIndex::Reader {
  // `own` is null when reads share the writer's connection (`db`).
  Reader(std::unique_ptr<sql::Database> own_db, sql::Database& db)
      : own(std::move(own_db)),
        folder(db, "SELECT fetched_at, complete FROM index_folders WHERE folder_id = ?1"),
        entries(db,
                "SELECT id, name, is_dir, size, mtime, ctime, sha1, pick_code FROM index_entries "
                "WHERE folder_id = ?1 ORDER BY position"),
        link(db,
             "SELECT url, expires_at, max_connections, size, sha1 FROM index_links "
             "WHERE file_id = ?1 AND user_agent = ?2") {}

  std::unique_ptr<sql::Database> own;
  sql::Statement folder, entries, link;
};

MetadataIndex::MetadataIndex(const std::filesystem::path& state_dir)
    : writer_(std::make_unique<Writer>(PropertyStore::database_file(state_dir))) {
  shared_connection_ = is_in_memory(writer_->db);
  std::unique_ptr<sql::Database> own;
  if (!shared_connection_) {
    // The writer has checked, migrated and switched the file to WAL: this one only reads.
    own = std::make_unique<sql::Database>(PropertyStore::database_file(state_dir).string());
    own->exec("PRAGMA busy_timeout = 5000");
    own->exec("PRAGMA query_only = ON");
  }
  sql::Database& read_db = own ? *own : writer_->db;
  reader_ = std::make_unique<Reader>(std::move(own), read_db);
}

MetadataIndex::~MetadataIndex() = default;

void MetadataIndex::put_folder(const std::string& folder_id, const IndexFolder& folder) {
  std::lock_guard lk(write_mu_);
  Writer& w = *writer_;
  // One transaction: a reader (or a kill -9) sees the old listing or the new one, never a mix.
  sql::Transaction tx(w.db);
  {
    Reset r{w.upsert_folder};
    w.upsert_folder.bind(1, folder_id).bind(2, folder.fetched_at_ms).bind(3, std::int64_t{folder.complete});
    w.upsert_folder.bind(4, folder.fetched_at_ms).run();
  }
  {
    Reset r{w.clear_entries};
    w.clear_entries.bind(1, folder_id).run();
  }
  std::int64_t position = 0;
  for (const auto& e : folder.entries) {
    Reset r{w.insert_entry};
    w.insert_entry.bind(1, folder_id).bind(2, position++).bind(3, e.id).bind(4, e.name);
    w.insert_entry.bind(5, std::int64_t{e.is_dir}).bind(6, static_cast<std::int64_t>(e.size));
    w.insert_entry.bind(7, e.mtime).bind(8, e.ctime).bind(9, e.sha1).bind(10, e.pick_code).run();
  }
  tx.commit();
}

void MetadataIndex::forget_folder(const std::string& folder_id) {
  std::lock_guard lk(write_mu_);
  Writer& w = *writer_;
  sql::Transaction tx(w.db);
  {
    Reset r{w.delete_folder};
    w.delete_folder.bind(1, folder_id).run();
  }
  {
    Reset r{w.clear_entries};
    w.clear_entries.bind(1, folder_id).run();
  }
  tx.commit();
}

void MetadataIndex::touch_folder(const std::string& folder_id, std::int64_t now_ms) {
  std::lock_guard lk(write_mu_);
  Reset r{writer_->touch};
  writer_->touch.bind(1, folder_id).bind(2, now_ms).run();
}

void MetadataIndex::put_link(const std::string& file_id, const std::string& user_agent, const IndexLink& link) {
  std::lock_guard lk(write_mu_);
  sql::Statement& st = writer_->upsert_link;
  Reset r{st};
  st.bind(1, file_id).bind(2, user_agent).bind(3, link.url).bind(4, link.expires_at);
  st.bind(5, std::int64_t{link.max_connections}).bind(6, static_cast<std::int64_t>(link.size)).bind(7, link.sha1).run();
}

void MetadataIndex::forget_link(const std::string& file_id, const std::string& user_agent) {
  std::lock_guard lk(write_mu_);
  Reset r{writer_->delete_link};
  writer_->delete_link.bind(1, file_id).bind(2, user_agent).run();
}

std::optional<IndexFolder> MetadataIndex::get_folder(const std::string& folder_id) {
  std::unique_lock lk(shared_connection_ ? write_mu_ : read_mu_);
  Reader& r = *reader_;
  // Both statements read one snapshot: a put_folder committing in between must not mix two listings.
  sql::Database& db = r.own ? *r.own : writer_->db;
  if (!shared_connection_) db.exec("BEGIN");
  struct End {
    sql::Database& db;
    bool active;
    ~End() {
      if (active) sqlite3_exec(db.handle(), "COMMIT", nullptr, nullptr, nullptr);
    }
  } end{db, !shared_connection_};
  IndexFolder out;
  {
    Reset reset{r.folder};
    r.folder.bind(1, folder_id);
    if (!r.folder.step()) return std::nullopt;
    out.fetched_at_ms = r.folder.integer(0);
    out.complete = r.folder.integer(1) != 0;
  }
  Reset reset{r.entries};
  r.entries.bind(1, folder_id);
  while (r.entries.step()) {
    IndexEntry e;
    e.id = r.entries.text(0);
    e.name = r.entries.text(1);
    e.is_dir = r.entries.integer(2) != 0;
    e.size = static_cast<std::uint64_t>(r.entries.integer(3));
    e.mtime = r.entries.integer(4);
    e.ctime = r.entries.integer(5);
    e.sha1 = r.entries.text(6);
    e.pick_code = r.entries.text(7);
    out.entries.push_back(std::move(e));
  }
  return out;
}

std::optional<IndexLink> MetadataIndex::get_link(const std::string& file_id, const std::string& user_agent) {
  std::unique_lock lk(shared_connection_ ? write_mu_ : read_mu_);
  sql::Statement& st = reader_->link;
  Reset reset{st};
  st.bind(1, file_id).bind(2, user_agent);
  if (!st.step()) return std::nullopt;
  IndexLink l;
  l.url = st.text(0);
  l.expires_at = st.integer(1);
  l.max_connections = static_cast<int>(st.integer(2));
  l.size = static_cast<std::uint64_t>(st.integer(3));
  l.sha1 = st.text(4);
  return l;
}

}  // namespace dav115::store

#include "dav115/store/metadata_index.hpp"

#include <algorithm>
#include <string_view>
#include <unordered_map>

#include "dav115/store/property_store.hpp"
#include "sparse_positions.hpp"
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
                      "INSERT INTO index_folders (folder_id, fetched_at, complete, last_used, entry_count) "
                      "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (folder_id) DO UPDATE SET "
                      "fetched_at = excluded.fetched_at, complete = excluded.complete, "
                      "last_used = max(last_used, excluded.last_used), entry_count = excluded.entry_count"),
        folder_entry_count(db, "SELECT entry_count FROM index_folders WHERE folder_id = ?1"),
        total_entries(db, "SELECT coalesce(sum(entry_count), 0) FROM index_folders"),
        least_recently_used(db,
                            "SELECT folder_id, entry_count FROM index_folders WHERE folder_id <> ?1 "
                            "ORDER BY last_used LIMIT 64"),
        stored_entries(db,
                       "SELECT id, position, name, is_dir, size, mtime, ctime, sha1, pick_code FROM index_entries "
                       "WHERE folder_id = ?1"),
        clear_entries(db, "DELETE FROM index_entries WHERE folder_id = ?1"),
        insert_entry(db,
                     "INSERT INTO index_entries (folder_id, id, position, name, is_dir, size, mtime, ctime, sha1, "
                     "pick_code) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"),
        update_entry(db,
                     "UPDATE index_entries SET position = ?3, name = ?4, is_dir = ?5, size = ?6, mtime = ?7, "
                     "ctime = ?8, sha1 = ?9, pick_code = ?10 WHERE folder_id = ?1 AND id = ?2"),
        delete_entry(db, "DELETE FROM index_entries WHERE folder_id = ?1 AND id = ?2"),
        delete_folder(db, "DELETE FROM index_folders WHERE folder_id = ?1"),
        touch(db, "UPDATE index_folders SET last_used = max(last_used, ?2) WHERE folder_id = ?1"),
        upsert_link(db,
                    "INSERT INTO index_links (file_id, user_agent, url, expires_at, max_connections, size, sha1) "
                    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (file_id, user_agent) DO UPDATE SET "
                    "url = excluded.url, expires_at = excluded.expires_at, max_connections = excluded.max_connections, "
                    "size = excluded.size, sha1 = excluded.sha1"),
        delete_link(db, "DELETE FROM index_links WHERE file_id = ?1 AND user_agent = ?2") {}

  sql::Database db;
  sql::Statement upsert_folder, folder_entry_count, total_entries, least_recently_used, stored_entries,
      clear_entries, insert_entry, update_entry, delete_entry, delete_folder, touch, upsert_link, delete_link;
  std::unordered_map<std::string, std::int64_t> pending_touches;  // folder id -> latest use, unix ms

  std::uint64_t stored_count(const std::string& folder_id) {
    Reset r{folder_entry_count};
    folder_entry_count.bind(1, folder_id);
    return folder_entry_count.step() ? static_cast<std::uint64_t>(folder_entry_count.integer(0)) : 0;
  }
  void drop_folder(const std::string& folder_id) {
    {
      Reset r{delete_folder};
      delete_folder.bind(1, folder_id).run();
    }
    Reset r{clear_entries};
    clear_entries.bind(1, folder_id).run();
  }
  // Binds ?1..?10 of insert_entry / update_entry (the same parameter order).
  static void bind_entry(sql::Statement& st, const std::string& folder_id, const IndexEntry& e, std::int64_t position) {
    st.bind(1, folder_id).bind(2, e.id).bind(3, position).bind(4, e.name).bind(5, std::int64_t{e.is_dir});
    st.bind(6, static_cast<std::int64_t>(e.size)).bind(7, e.mtime).bind(8, e.ctime).bind(9, e.sha1);
    st.bind(10, e.pick_code);
  }
};

struct MetadataIndex::Reader {
  // `own` is null when reads share the writer's connection (`db`).
  Reader(std::unique_ptr<sql::Database> own_db, sql::Database& db)
      : own(std::move(own_db)),
        folder(db, "SELECT fetched_at, complete FROM index_folders WHERE folder_id = ?1"),
        entries(db,
                "SELECT id, name, is_dir, size, mtime, ctime, sha1, pick_code FROM index_entries "
                "WHERE folder_id = ?1 ORDER BY position"),  // sorted in memory: the key is (folder, id)
        link(db,
             "SELECT url, expires_at, max_connections, size, sha1 FROM index_links "
             "WHERE file_id = ?1 AND user_agent = ?2") {}

  std::unique_ptr<sql::Database> own;
  sql::Statement folder, entries, link;
};

MetadataIndex::MetadataIndex(const std::filesystem::path& state_dir, std::uint64_t max_entries)
    : writer_(std::make_unique<Writer>(PropertyStore::database_file(state_dir))), max_entries_(max_entries) {
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
  Reset r{writer_->total_entries};
  writer_->total_entries.step();
  entries_ = static_cast<std::uint64_t>(writer_->total_entries.integer(0));
}

MetadataIndex::~MetadataIndex() {
  try {
    std::lock_guard lk(write_mu_);
    if (!writer_->pending_touches.empty()) {
      sql::Transaction tx(writer_->db);
      flush_touches_locked();
      tx.commit();
    }
  } catch (const std::exception&) {
    // Only eviction order is lost.
  }
}

void MetadataIndex::flush_touches_locked() {
  Writer& w = *writer_;
  for (const auto& [id, at] : w.pending_touches) {
    Reset r{w.touch};
    w.touch.bind(1, id).bind(2, at).run();
  }
  w.pending_touches.clear();
}

void MetadataIndex::put_folder(const std::string& folder_id, const IndexFolder& folder) {
  std::lock_guard lk(write_mu_);
  Writer& w = *writer_;
  // One transaction: a reader (or a kill -9) sees the old listing or the new one, never a mix.
  sql::Transaction tx(w.db);
  flush_touches_locked();  // eviction below must see the latest uses

  struct Stored {
    std::int64_t position;
    IndexEntry entry;
  };
  std::unordered_map<std::string, Stored> stored;
  {
    Reset r{w.stored_entries};
    w.stored_entries.bind(1, folder_id);
    while (w.stored_entries.step()) {
      auto& st = w.stored_entries;
      IndexEntry e{std::string(st.text(0)), std::string(st.text(2)), st.integer(3) != 0,
                   static_cast<std::uint64_t>(st.integer(4)), st.integer(5), st.integer(6),
                   std::string(st.text(7)), std::string(st.text(8))};
      std::string key = e.id;  // not e.id itself: the entry is moved from before emplace runs
      stored.emplace(std::move(key), Stored{st.integer(1), std::move(e)});
    }
  }

  // The new listing without repeated ids (the key), with each entry's stored position if any.
  std::vector<const IndexEntry*> fresh;
  std::vector<std::optional<std::int64_t>> old_positions;
  fresh.reserve(folder.entries.size());
  old_positions.reserve(folder.entries.size());
  {
    std::unordered_map<std::string_view, bool> seen;
    seen.reserve(folder.entries.size());
    for (const auto& e : folder.entries) {
      if (!seen.emplace(e.id, true).second) continue;
      fresh.push_back(&e);
      auto it = stored.find(e.id);
      old_positions.push_back(it == stored.end() ? std::nullopt : std::optional(it->second.position));
    }
  }
  const auto positions = sparse_positions(old_positions);

  for (std::size_t i = 0; i < fresh.size(); ++i) {
    const IndexEntry& e = *fresh[i];
    auto it = stored.find(e.id);
    if (it == stored.end()) {
      Reset r{w.insert_entry};
      Writer::bind_entry(w.insert_entry, folder_id, e, positions[i]);
      w.insert_entry.run();
      continue;
    }
    if (it->second.position != positions[i] || !(it->second.entry == e)) {
      Reset r{w.update_entry};
      Writer::bind_entry(w.update_entry, folder_id, e, positions[i]);
      w.update_entry.run();
    }
    stored.erase(it);  // what is left in `stored` is gone upstream
  }
  for (const auto& [id, unused] : stored) {
    Reset r{w.delete_entry};
    w.delete_entry.bind(1, folder_id).bind(2, id).run();
  }

  const std::uint64_t before = w.stored_count(folder_id);
  {
    Reset r{w.upsert_folder};
    w.upsert_folder.bind(1, folder_id).bind(2, folder.fetched_at_ms).bind(3, std::int64_t{folder.complete});
    w.upsert_folder.bind(4, folder.fetched_at_ms).bind(5, static_cast<std::int64_t>(fresh.size())).run();
  }
  std::uint64_t total = entries_ - std::min(before, entries_) + fresh.size();

  // Past the bound: drop whole folders, least recently used first, never the one just written (it is
  // the most recently used, and a folder larger than the bound is still worth keeping alone).
  while (max_entries_ != 0 && total > max_entries_) {
    std::vector<std::pair<std::string, std::uint64_t>> victims;
    {
      Reset r{w.least_recently_used};
      w.least_recently_used.bind(1, folder_id);
      while (w.least_recently_used.step())
        victims.emplace_back(std::string(w.least_recently_used.text(0)),
                             static_cast<std::uint64_t>(w.least_recently_used.integer(1)));
    }
    if (victims.empty()) break;
    for (const auto& [id, count] : victims) {
      if (total <= max_entries_) break;
      w.drop_folder(id);
      total -= std::min(count, total);
    }
  }
  tx.commit();
  entries_ = total;
}

void MetadataIndex::forget_folder(const std::string& folder_id) {
  std::lock_guard lk(write_mu_);
  Writer& w = *writer_;
  sql::Transaction tx(w.db);
  flush_touches_locked();
  const std::uint64_t count = w.stored_count(folder_id);
  w.drop_folder(folder_id);
  tx.commit();
  entries_ -= std::min(count, entries_);
}

void MetadataIndex::touch_folder(const std::string& folder_id, std::int64_t now_ms) {
  std::lock_guard lk(write_mu_);
  Writer& w = *writer_;
  auto& at = w.pending_touches[folder_id];
  at = std::max(at, now_ms);
  if (w.pending_touches.size() < 256) return;
  sql::Transaction tx(w.db);
  flush_touches_locked();
  tx.commit();
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

std::uint64_t MetadataIndex::entry_count() {
  std::lock_guard lk(write_mu_);
  return entries_;
}

std::int64_t MetadataIndex::rows_changed() {
  std::lock_guard lk(write_mu_);
  return sqlite3_total_changes64(writer_->db.handle());
}

}  // namespace dav115::store

#pragma once
// The metadata index: folder listings and download links kept in <state_dir>/dav115.db, so a restart
// answers from disk instead of asking 115 again (every 115 call counts against a daily quota). The
// in-memory caches stay the fast path; this is what they are rebuilt from.
//
// Storage-neutral: plain records, no vfs or cloud115 types. Calls are synchronous and may wait for the
// disk: run them off the I/O threads (MetadataIndexAsync does). Writes use one connection, reads
// another, so with WAL a read never waits for a folder being written.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace dav115::store {

struct IndexEntry {
  std::string id;
  std::string name;  // as upstream gave it
  bool is_dir = false;
  std::uint64_t size = 0;
  std::int64_t mtime = 0;  // unix seconds
  std::int64_t ctime = 0;
  std::string sha1;
  std::string pick_code;
  bool operator==(const IndexEntry&) const = default;
};

struct IndexFolder {
  std::vector<IndexEntry> entries;  // in upstream order
  std::int64_t fetched_at_ms = 0;   // unix ms (wall clock): survives a restart, unlike steady_clock
  bool complete = true;             // false: a listing cut short (only the entries seen so far)
  bool operator==(const IndexFolder&) const = default;
};

struct IndexLink {
  std::string url;
  std::int64_t expires_at = 0;  // unix seconds
  int max_connections = 0;
  std::uint64_t size = 0;
  std::string sha1;
  bool operator==(const IndexLink&) const = default;
};

class MetadataIndex {
 public:
  // Opens (creating, migrating) `<state_dir>/dav115.db`. A damaged file is moved aside and rebuilt
  // (see state_db.hpp); never throws for one.
  explicit MetadataIndex(const std::filesystem::path& state_dir);
  ~MetadataIndex();
  MetadataIndex(const MetadataIndex&) = delete;
  MetadataIndex& operator=(const MetadataIndex&) = delete;

  // --- writes (meant for one writer thread; serialised anyway)
  // Replaces the folder's listing, all of it in one transaction.
  void put_folder(const std::string& folder_id, const IndexFolder& folder);
  void forget_folder(const std::string& folder_id);
  void touch_folder(const std::string& folder_id, std::int64_t now_ms);
  void put_link(const std::string& file_id, const std::string& user_agent, const IndexLink& link);
  void forget_link(const std::string& file_id, const std::string& user_agent);

  // --- reads (any thread; a connection of their own)
  std::optional<IndexFolder> get_folder(const std::string& folder_id);
  std::optional<IndexLink> get_link(const std::string& file_id, const std::string& user_agent);

 private:
  struct Writer;
  struct Reader;
  std::mutex write_mu_, read_mu_;
  std::unique_ptr<Writer> writer_;
  std::unique_ptr<Reader> reader_;
  bool shared_connection_ = false;  // in-memory fallback: reads must use the writer's connection
};

}  // namespace dav115::store

// --- Maintenance for `dav115 index` (a separate block: the gateway never calls these).
namespace dav115::store {

struct IndexStats {
  std::uint64_t folders = 0, entries = 0, links = 0;
  std::uint64_t db_bytes = 0, wal_bytes = 0;  // dav115.db and dav115.db-wal on disk
  std::optional<std::int64_t> oldest_fetched_at_ms;  // the folder listed longest ago (none: no folders)
};

// Counts from `<state_dir>/dav115.db` through a read-only connection: safe while a gateway writes
// (WAL readers never block it). All zero when there is no database yet. Throws on an unreadable file.
IndexStats read_index_stats(const std::filesystem::path& state_dir);

// Removes every listing and link (dead properties and client-set times stay), then compacts the file.
// The caller must hold the state_dir lock: a running gateway would write its memory back.
void clear_index(const std::filesystem::path& state_dir);

}  // namespace dav115::store

#include <catch2/catch.hpp>

#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_future.hpp>
#include <filesystem>
#include <algorithm>
#include <fstream>
#include <random>
#include <thread>

#include "dav115/store/metadata_index.hpp"
#include "dav115/store/metadata_index_async.hpp"
#include "dav115/store/property_store.hpp"

namespace metadata_index_test {

namespace fs = std::filesystem;
namespace asio = boost::asio;
using namespace dav115::store;

struct IndexDir {
  fs::path path;
  IndexDir() {
    std::random_device rd;
    path = fs::temp_directory_path() / ("dav115-index-" + std::to_string(rd()) + std::to_string(rd()));
    fs::create_directories(path);
  }
  ~IndexDir() { fs::remove_all(path); }
};

IndexEntry entry(std::string id, std::string name, bool is_dir = false) {
  IndexEntry e;
  e.id = id;
  e.name = std::move(name);
  e.is_dir = is_dir;
  e.size = is_dir ? 0 : 5'000'000'000ull + id.size();  // past 32 bits
  e.mtime = 1700000000;
  e.ctime = 1600000000;
  e.sha1 = is_dir ? "" : "DA39A3EE5E6B4B0D3255BFEF95601890AFD80709";
  e.pick_code = "pc" + id;
  return e;
}

IndexFolder folder_of(std::vector<IndexEntry> entries, std::int64_t fetched_at_ms = 1700000000123) {
  IndexFolder f;
  f.entries = std::move(entries);
  f.fetched_at_ms = fetched_at_ms;
  return f;
}

// `n` entries all named `name`: a reader that saw two listings mixed would see two names.
IndexFolder uniform(std::size_t n, const std::string& name) {
  std::vector<IndexEntry> entries;
  for (std::size_t i = 0; i < n; ++i) entries.push_back(entry(std::to_string(i), name));
  return folder_of(std::move(entries));
}

TEST_CASE("metadata index: a folder round-trips in upstream order with every field") {
  IndexDir d;
  MetadataIndex index(d.path);
  CHECK_FALSE(index.get_folder("10"));
  // Upstream order is not name order, and duplicate names are kept as upstream gave them.
  auto f = folder_of({entry("3", "zeta"), entry("1", "alpha", true), entry("2", "zeta"), entry("4", "Ünïcode ✓")});
  f.complete = false;
  index.put_folder("10", f);
  auto got = index.get_folder("10");
  REQUIRE(got);
  CHECK(*got == f);
  CHECK_FALSE(index.get_folder("11"));
}

TEST_CASE("metadata index: a folder replaced keeps only the new entries; forget drops it") {
  IndexDir d;
  MetadataIndex index(d.path);
  index.put_folder("10", folder_of({entry("1", "a"), entry("2", "b"), entry("3", "c")}));
  index.put_folder("20", folder_of({entry("9", "other")}));
  auto next = folder_of({entry("2", "b-renamed")}, 1700000099000);
  index.put_folder("10", next);
  CHECK(*index.get_folder("10") == next);

  index.put_folder("10", folder_of({}, 1700000100000));  // an empty folder is a listing too
  auto empty = index.get_folder("10");
  REQUIRE(empty);
  CHECK(empty->entries.empty());

  index.forget_folder("10");
  CHECK_FALSE(index.get_folder("10"));
  CHECK(index.get_folder("20")->entries.size() == 1);
}

// `n` entries with realistic ids, names, sizes and hashes.
IndexFolder numbered(std::size_t n) {
  std::vector<IndexEntry> entries;
  for (std::size_t i = 0; i < n; ++i)
    entries.push_back(entry(std::to_string(3000000000000000000ull + i), "file " + std::to_string(i) + ".mkv"));
  return folder_of(std::move(entries));
}

TEST_CASE("metadata index: a re-listing writes only the entries that changed") {
  IndexDir d;
  MetadataIndex index(d.path);
  auto f = numbered(5000);
  index.put_folder("10", f);
  CHECK(index.entry_count() == 5000);
  // The folder's own row (fetched_at) is the one write every re-listing costs.
  auto cost = [&](const IndexFolder& next) {
    const auto before = index.rows_changed();
    index.put_folder("10", next);
    const auto got = index.get_folder("10");
    REQUIRE(got);
    CHECK(*got == next);
    return index.rows_changed() - before;
  };

  f.fetched_at_ms += 60000;
  CHECK(cost(f) == 1);  // unchanged

  f.entries[2500].size += 1;
  f.entries[2500].mtime += 1;
  CHECK(cost(f) == 1 + 1);

  f.entries.insert(f.entries.begin(), entry("new-top", "newest.mkv"));  // newest-first order
  f.entries.insert(f.entries.begin() + 1000, entry("new-mid", "middle.mkv"));
  CHECK(cost(f) == 1 + 2);

  std::rotate(f.entries.begin(), f.entries.end() - 1, f.entries.end());  // the last one moves to the top
  CHECK(cost(f) == 1 + 1);

  f.entries.erase(f.entries.begin() + 4000);
  CHECK(cost(f) == 1 + 1);
  CHECK(index.entry_count() == 5001);

  // Reversed: most entries move; still exact, and still one transaction.
  std::reverse(f.entries.begin(), f.entries.end());
  CHECK(cost(f) <= 1 + 5001);
}

TEST_CASE("metadata index: a repeated id keeps its first occurrence") {
  IndexDir d;
  MetadataIndex index(d.path);
  index.put_folder("10", folder_of({entry("1", "a"), entry("2", "b"), entry("1", "a-again")}));
  CHECK(*index.get_folder("10") == folder_of({entry("1", "a"), entry("2", "b")}));
}

TEST_CASE("metadata index: past max_entries the least recently used folders are evicted") {
  IndexDir d;
  {
    MetadataIndex index(d.path, 10);
    auto four = [](std::int64_t at) {
      return folder_of({entry("1", "a"), entry("2", "b"), entry("3", "c"), entry("4", "d")}, at);
    };
    index.put_folder("A", four(1000));
    index.put_folder("B", four(2000));
    index.touch_folder("A", 3000);  // read after B was written: B is now the least recently used
    index.put_folder("C", four(4000));
    CHECK(index.get_folder("A"));
    CHECK_FALSE(index.get_folder("B"));
    CHECK(index.get_folder("C"));
    CHECK(index.entry_count() == 8);

    index.put_folder("D", four(5000));  // A (3000) is now the oldest
    CHECK_FALSE(index.get_folder("A"));
    CHECK(index.get_folder("C"));
    CHECK(index.get_folder("D"));

    // One folder larger than the bound stays alone: it is the one just used.
    std::vector<IndexEntry> many;
    for (int i = 0; i < 12; ++i) many.push_back(entry(std::to_string(i), "n" + std::to_string(i)));
    index.put_folder("E", folder_of(many, 6000));
    CHECK(index.get_folder("E"));
    CHECK_FALSE(index.get_folder("C"));
    CHECK_FALSE(index.get_folder("D"));
    CHECK(index.entry_count() == 12);
    index.forget_folder("E");
    CHECK(index.entry_count() == 0);
    index.put_folder("F", four(7000));
    index.touch_folder("F", 9000);  // batched: written when the index closes
  }
  {
    MetadataIndex reopened(d.path, 10);
    CHECK(reopened.entry_count() == 4);  // the count survives a restart
    reopened.put_folder("G", folder_of({entry("1", "a"), entry("2", "b"), entry("3", "c"), entry("4", "d")}, 8000));
    reopened.put_folder("H", folder_of({entry("1", "a"), entry("2", "b"), entry("3", "c"), entry("4", "d")}, 8500));
    CHECK(reopened.get_folder("F"));  // its touch at 9000 outlived the restart
    CHECK_FALSE(reopened.get_folder("G"));
  }
  MetadataIndex unbounded(d.path, 0);
  for (int i = 0; i < 5; ++i)
    unbounded.put_folder("U" + std::to_string(i), folder_of({entry("1", "a"), entry("2", "b"), entry("3", "c")}, 10000 + i));
  CHECK(unbounded.entry_count() == 8 + 15);
}

TEST_CASE("metadata index: links are kept per file and User-Agent with their expiry") {
  IndexDir d;
  MetadataIndex index(d.path);
  IndexLink a{"http://cdn/a?t=1700003600", 1700003600, 2, 5'000'000'000ull, "ABC"};
  IndexLink b{"http://cdn/b", 1700007200, 0, 5'000'000'000ull, "ABC"};
  index.put_link("1", "Kodi/20", a);
  index.put_link("1", "VLC/3", b);
  CHECK(*index.get_link("1", "Kodi/20") == a);
  CHECK(*index.get_link("1", "VLC/3") == b);
  CHECK_FALSE(index.get_link("1", "mpv"));
  CHECK_FALSE(index.get_link("2", "Kodi/20"));

  IndexLink newer{"http://cdn/a2", 1700009999, 1, 7, "DEF"};
  index.put_link("1", "Kodi/20", newer);
  CHECK(*index.get_link("1", "Kodi/20") == newer);
  index.forget_link("1", "Kodi/20");
  CHECK_FALSE(index.get_link("1", "Kodi/20"));
  CHECK(index.get_link("1", "VLC/3"));
}

TEST_CASE("metadata index: survives a reopen, next to the property store in the same file") {
  IndexDir d;
  {
    PropertyStore props(d.path);
    props.set_mtime("1", 42);
    MetadataIndex index(d.path);
    index.put_folder("10", folder_of({entry("1", "a")}));
    index.put_link("1", "UA", IndexLink{"u", 5, 0, 1, "S"});
  }
  MetadataIndex index(d.path);
  PropertyStore props(d.path);
  CHECK(index.get_folder("10")->entries.at(0).name == "a");
  CHECK(index.get_link("1", "UA")->url == "u");
  CHECK(props.get_mtimes({"1"}).at("1") == 42);
}

TEST_CASE("metadata index: a version 1 file (dead properties only) is migrated and keeps its properties") {
  IndexDir d;
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(PropertyStore::database_file(d.path).c_str(), &db) == SQLITE_OK);
  REQUIRE(sqlite3_exec(db,
                       "CREATE TABLE dead_properties (file_id TEXT NOT NULL, ns TEXT NOT NULL, name TEXT NOT NULL, "
                       "value_xml TEXT NOT NULL, PRIMARY KEY (file_id, ns, name)) WITHOUT ROWID;"
                       "CREATE TABLE client_times (file_id TEXT NOT NULL PRIMARY KEY, mtime INTEGER, ctime INTEGER) "
                       "WITHOUT ROWID;"
                       "INSERT INTO dead_properties VALUES ('f', 'urn:x', 'a', '<a>1</a>');"
                       "PRAGMA user_version = 1;",
                       nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(db);

  MetadataIndex index(d.path);
  index.put_folder("10", folder_of({entry("1", "a")}));
  CHECK(index.get_folder("10"));
  PropertyStore props(d.path);
  CHECK(props.get_properties("f") == std::vector<DeadProperty>{{"urn:x", "a", "<a>1</a>"}});
}

TEST_CASE("metadata index: a read is not blocked by an open write transaction and never sees it") {
  IndexDir d;
  MetadataIndex index(d.path);
  index.put_folder("10", uniform(3, "old"));
  // Another connection holds the write lock mid-transaction, as the writer thread does while it
  // replaces a large folder.
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(PropertyStore::database_file(d.path).c_str(), &db) == SQLITE_OK);
  REQUIRE(sqlite3_exec(db,
                       "BEGIN IMMEDIATE; DELETE FROM index_entries WHERE folder_id = '10';"
                       "UPDATE index_folders SET fetched_at = 1 WHERE folder_id = '10';",
                       nullptr, nullptr, nullptr) == SQLITE_OK);
  auto got = index.get_folder("10");  // with a rollback journal this would wait for the lock
  REQUIRE(got);
  CHECK(*got == uniform(3, "old"));
  REQUIRE(sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(db);
}

TEST_CASE("metadata index: reads beside a busy writer always see one whole listing") {
  IndexDir d;
  MetadataIndex index(d.path);
  index.put_folder("10", uniform(500, "a"));
  std::atomic<int> reads{0};
  std::atomic<bool> stop{false};
  std::atomic<int> writes{0};
  std::thread writer([&] {
    // Keeps writing until the reader has done its reads; at least a few replacements happen meanwhile.
    for (int i = 0; !stop || i < 4; ++i) {
      index.put_folder("10", uniform(i % 2 ? 200 : 500, i % 2 ? "b" : "a"));
      ++writes;
    }
  });
  int mixed = 0;
  // Reads until the writer has replaced the folder several times while we read.
  while (writes < 20) {
    auto f = index.get_folder("10");
    REQUIRE(f);
    const std::string& first = f->entries.at(0).name;
    const std::size_t expected = first == "a" ? 500 : 200;
    if (f->entries.size() != expected) ++mixed;
    for (const auto& e : f->entries)
      if (e.name != first) ++mixed;
    ++reads;
  }
  stop = true;
  writer.join();
  CHECK(mixed == 0);
  CHECK(reads > 0);
}

TEST_CASE("metadata index: a process killed mid-writes leaves a database that opens with a whole listing") {
  IndexDir d;
  { MetadataIndex create(d.path); }
  int ready[2];
  REQUIRE(pipe(ready) == 0);
  pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    // The child writes forever; it tells the parent after a few commits, then keeps writing until killed.
    close(ready[0]);
    MetadataIndex index(d.path);
    for (int i = 0;; ++i) {
      index.put_folder("10", uniform(i % 2 ? 300 : 700, i % 2 ? "b" : "a"));
      index.put_link("1", "UA", IndexLink{"u" + std::to_string(i), i, 0, 1, "S"});
      if (i == 5) {
        char c = 'x';
        if (write(ready[1], &c, 1) != 1) _exit(2);
      }
    }
  }
  close(ready[1]);
  char c = 0;
  REQUIRE(read(ready[0], &c, 1) == 1);
  close(ready[0]);
  REQUIRE(kill(child, SIGKILL) == 0);
  int status = 0;
  REQUIRE(waitpid(child, &status, 0) == child);
  REQUIRE(WIFSIGNALED(status));

  MetadataIndex index(d.path);
  auto f = index.get_folder("10");
  REQUIRE(f);
  const std::string first = f->entries.at(0).name;
  CHECK(f->entries.size() == (first == "a" ? 700u : 300u));
  for (const auto& e : f->entries) CHECK(e.name == first);
  CHECK(index.get_link("1", "UA"));
  CHECK(fs::exists(PropertyStore::database_file(d.path)));
  for (auto& e : fs::directory_iterator(d.path))
    CHECK(e.path().filename().string().find("corrupt") == std::string::npos);
}

TEST_CASE("metadata index: garbage in the file is moved aside and the index starts empty") {
  IndexDir d;
  std::string garbage(8192, '\0');
  std::mt19937 rng(11);
  for (char& ch : garbage) ch = static_cast<char>(rng());
  { std::ofstream(PropertyStore::database_file(d.path), std::ios::binary) << garbage; }
  MetadataIndex index(d.path);
  CHECK_FALSE(index.get_folder("10"));
  index.put_folder("10", uniform(2, "a"));
  CHECK(index.get_folder("10")->entries.size() == 2);
}

TEST_CASE("metadata index async: writes land in order on the writer; reads resume on the caller") {
  IndexDir d;
  MetadataIndex index(d.path);
  asio::thread_pool writer(1), readers(1);
  MetadataIndexAsync async(index, writer.get_executor(), readers.get_executor());
  for (int i = 0; i < 50; ++i) async.put_folder("10", uniform(static_cast<std::size_t>(i + 1), "a"));
  async.forget_folder("20");
  async.put_link("1", "UA", IndexLink{"u", 9, 0, 1, "S"});
  // The writer is one thread: a marker queued last runs after every write before it.
  std::promise<void> drained;
  asio::post(writer, [&] { drained.set_value(); });
  drained.get_future().wait();

  asio::io_context io;
  std::thread::id caller_thread;
  auto fut = asio::co_spawn(
      io,
      [&]() -> asio::awaitable<std::pair<std::optional<IndexFolder>, std::optional<IndexLink>>> {
        auto f = co_await async.get_folder("10");
        caller_thread = std::this_thread::get_id();  // back on the io_context's thread
        auto l = co_await async.get_link("1", "UA");
        co_return std::make_pair(std::move(f), std::move(l));
      },
      asio::use_future);
  io.run();
  auto [f, l] = fut.get();
  REQUIRE(f);
  CHECK(f->entries.size() == 50);
  REQUIRE(l);
  CHECK(l->url == "u");
  CHECK(caller_thread == std::this_thread::get_id());
  writer.join();
  readers.join();
}

}  // namespace metadata_index_test

#include <catch2/catch.hpp>

#include <sqlite3.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_future.hpp>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "dav115/store/property_store.hpp"
#include "dav115/store/property_store_async.hpp"

namespace fs = std::filesystem;
namespace asio = boost::asio;
using namespace dav115::store;

namespace {

struct StateDir {
  fs::path path;
  StateDir() {
    std::random_device rd;
    path = fs::temp_directory_path() / ("dav115-props-" + std::to_string(rd()) + std::to_string(rd()));
    fs::create_directories(path);
  }
  ~StateDir() { fs::remove_all(path); }
};

PropertyOp set(std::string ns, std::string name, std::string xml) {
  return {PropertyOp::Kind::Set, std::move(ns), std::move(name), std::move(xml)};
}
PropertyOp remove(std::string ns, std::string name) { return {PropertyOp::Kind::Remove, std::move(ns), std::move(name), {}}; }

std::vector<fs::path> files_named(const fs::path& dir, std::string_view prefix) {
  std::vector<fs::path> out;
  for (auto& e : fs::directory_iterator(dir))
    if (e.path().filename().string().starts_with(prefix)) out.push_back(e.path());
  return out;
}

}  // namespace

TEST_CASE("dead properties round-trip, ordered by namespace and name, per file id") {
  StateDir d;
  PropertyStore store(d.path);
  CHECK(store.get_properties("f1").empty());
  store.apply_patch("f1", {set("urn:z", "b", "<Z:b xmlns:Z=\"urn:z\">2</Z:b>"), set("urn:a", "x", "<A:x xmlns:A=\"urn:a\"/>"),
                           set("urn:z", "a", "<Z:a xmlns:Z=\"urn:z\">&lt;1&gt;</Z:a>")});
  store.apply_patch("f2", {set("", "plain", "<plain>text</plain>")});
  const std::vector<DeadProperty> want{{"urn:a", "x", "<A:x xmlns:A=\"urn:a\"/>"},
                                       {"urn:z", "a", "<Z:a xmlns:Z=\"urn:z\">&lt;1&gt;</Z:a>"},
                                       {"urn:z", "b", "<Z:b xmlns:Z=\"urn:z\">2</Z:b>"}};
  CHECK(store.get_properties("f1") == want);
  CHECK(store.get_properties("f2") == std::vector<DeadProperty>{{"", "plain", "<plain>text</plain>"}});
  CHECK(fs::exists(PropertyStore::database_file(d.path)));
}

TEST_CASE("a patch applies set and remove in order; the last op on a name wins") {
  StateDir d;
  PropertyStore store(d.path);
  store.apply_patch("f", {set("urn:x", "keep", "<k/>"), set("urn:x", "gone", "<g/>")});
  store.apply_patch("f", {remove("urn:x", "gone"), set("urn:x", "keep", "<k2/>"), set("urn:x", "back", "<b1/>"),
                          remove("urn:x", "back"), set("urn:x", "back", "<b2/>"), remove("urn:x", "never-set")});
  CHECK(store.get_properties("f") ==
        std::vector<DeadProperty>{{"urn:x", "back", "<b2/>"}, {"urn:x", "keep", "<k2/>"}});
}

TEST_CASE("the batched get returns every listed id that has properties, and only those") {
  StateDir d;
  PropertyStore store(d.path);
  std::vector<std::string> ids;
  for (int i = 0; i < 2000; ++i) {
    ids.push_back("id" + std::to_string(i));
    if (i % 3 == 0) store.apply_patch(ids.back(), {set("urn:n", "i", "<i>" + std::to_string(i) + "</i>")});
  }
  store.apply_patch("not-asked", {set("urn:n", "i", "<i/>")});
  auto got = store.get_properties(ids);
  CHECK(got.size() == 667);
  CHECK(got.count("not-asked") == 0);
  CHECK(got.count("id1") == 0);
  REQUIRE(got.count("id1998") == 1);
  CHECK(got["id1998"] == std::vector<DeadProperty>{{"urn:n", "i", "<i>1998</i>"}});
  CHECK(store.get_properties(std::vector<std::string>{}).empty());
}

TEST_CASE("a patch past the per-resource limit fails whole: earlier ops and times are rolled back") {
  StateDir d;
  PropertyStore store(d.path, PropertyLimits{1024, 3});
  store.apply_patch("f", {set("urn:x", "a", "<a>old</a>"), set("urn:x", "b", "<b/>")});
  try {
    store.apply_patch("f", {set("urn:x", "a", "<a>new</a>"), remove("urn:x", "b"), set("urn:x", "c", "<c/>"),
                            set("urn:x", "d", "<d/>"), set("urn:x", "e", "<e/>")},
                      ClientTimes{1700000000, std::nullopt});
    FAIL("the patch should have been refused");
  } catch (const PropertyLimitExceeded& e) {
    CHECK(e.reason == PropertyLimitExceeded::Reason::TooManyProperties);
    CHECK(e.name == "c");  // the first property the resource did not have yet
  }
  CHECK(store.get_properties("f") == std::vector<DeadProperty>{{"urn:x", "a", "<a>old</a>"}, {"urn:x", "b", "<b/>"}});
  CHECK(store.get_mtimes({"f"}).empty());
  // Within the limit the same resource still takes changes (the failed transaction left no lock).
  store.apply_patch("f", {set("urn:x", "c", "<c/>")});
  CHECK(store.get_properties("f").size() == 3);
}

TEST_CASE("an oversized value is refused by name and nothing of its patch is applied") {
  StateDir d;
  PropertyStore store(d.path, PropertyLimits{16, 256});
  try {
    store.apply_patch("f", {set("urn:x", "ok", "<ok/>"), set("urn:x", "big", "<big>0123456789abcdef</big>")});
    FAIL("the patch should have been refused");
  } catch (const PropertyLimitExceeded& e) {
    CHECK(e.reason == PropertyLimitExceeded::Reason::ValueTooLarge);
    CHECK(e.ns == "urn:x");
    CHECK(e.name == "big");
  }
  CHECK(store.get_properties("f").empty());
}

TEST_CASE("client-set times: mtime and ctime are kept apart, and a later mtime keeps the ctime") {
  StateDir d;
  PropertyStore store(d.path);
  store.set_mtime("a", 1600000000);
  store.apply_patch("b", {}, ClientTimes{std::nullopt, 1500000000});
  store.apply_patch("b", {}, ClientTimes{1600000001, std::nullopt});
  auto times = store.get_times({"a", "b", "c"});
  CHECK(times.size() == 2);
  CHECK(times["a"] == ClientTimes{1600000000, std::nullopt});
  CHECK(times["b"] == ClientTimes{1600000001, 1500000000});
  auto mtimes = store.get_mtimes({"a", "b", "c"});
  CHECK(mtimes == std::unordered_map<std::string, std::int64_t>{{"a", 1600000000}, {"b", 1600000001}});
}

TEST_CASE("copy_all replaces the target's properties; forget drops properties and times") {
  StateDir d;
  PropertyStore store(d.path);
  store.apply_patch("src", {set("urn:x", "a", "<a/>"), set("urn:x", "b", "<b/>")}, ClientTimes{100, std::nullopt});
  store.apply_patch("dst", {set("urn:x", "stale", "<s/>")});
  store.copy_all("src", "dst");
  CHECK(store.get_properties("dst") == store.get_properties("src"));
  CHECK(store.get_properties("dst").size() == 2);
  CHECK(store.get_mtimes({"dst"}).empty());  // times belong to the original

  store.copy_all("src", "src");  // a no-op, not a wipe
  CHECK(store.get_properties("src").size() == 2);

  store.forget("src");
  CHECK(store.get_properties("src").empty());
  CHECK(store.get_mtimes({"src"}).empty());
  CHECK(store.get_properties("dst").size() == 2);

  store.apply_patch("x", {set("urn:x", "a", "<a/>")}, ClientTimes{1, 2});
  store.forget_all({"dst", "x", "unknown"});
  CHECK(store.get_properties(std::vector<std::string>{"dst", "x"}).empty());
  CHECK(store.get_times({"x"}).empty());
}

TEST_CASE("data survives reopening, and the file is at the current schema version in WAL mode") {
  StateDir d;
  {
    PropertyStore store(d.path);
    store.apply_patch("f", {set("urn:x", "a", "<a>1</a>")}, ClientTimes{42, 43});
  }
  {
    PropertyStore store(d.path);
    CHECK(store.get_properties("f") == std::vector<DeadProperty>{{"urn:x", "a", "<a>1</a>"}});
    CHECK(store.get_times({"f"})["f"] == ClientTimes{42, 43});
  }
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(PropertyStore::database_file(d.path).c_str(), &db) == SQLITE_OK);
  auto one = [&](const char* sql) {
    sqlite3_stmt* st = nullptr;
    REQUIRE(sqlite3_prepare_v2(db, sql, -1, &st, nullptr) == SQLITE_OK);
    REQUIRE(sqlite3_step(st) == SQLITE_ROW);
    std::string v = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return v;
  };
  CHECK(one("PRAGMA user_version") == "2");
  CHECK(one("PRAGMA journal_mode") == "wal");
  sqlite3_close(db);
  CHECK(files_named(d.path, "dav115.db.corrupt").empty());
}

TEST_CASE("a file that is not a database is moved aside and a fresh store starts") {
  StateDir d;
  const fs::path file = PropertyStore::database_file(d.path);
  std::string garbage(8192, '\0');
  std::mt19937 rng(115);
  for (char& c : garbage) c = static_cast<char>(rng());
  { std::ofstream(file, std::ios::binary) << garbage; }

  PropertyStore store(d.path);
  CHECK(store.get_properties("f").empty());
  store.apply_patch("f", {set("urn:x", "a", "<a/>")});
  CHECK(store.get_properties("f").size() == 1);

  auto aside = files_named(d.path, "dav115.db.corrupt-");
  REQUIRE(aside.size() == 1);
  std::ifstream in(aside[0], std::ios::binary);
  std::string kept((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(kept == garbage);  // kept intact for inspection
}

TEST_CASE("a database from a newer build is moved aside rather than misread") {
  StateDir d;
  { PropertyStore store(d.path); }
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(PropertyStore::database_file(d.path).c_str(), &db) == SQLITE_OK);
  REQUIRE(sqlite3_exec(db, "PRAGMA user_version = 99", nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(db);
  PropertyStore store(d.path);
  store.set_mtime("f", 7);
  CHECK(store.get_mtimes({"f"}).at("f") == 7);
  CHECK(files_named(d.path, "dav115.db.corrupt-").size() >= 1);
}

TEST_CASE("the async facade runs each call on the pool and resumes on the caller's thread") {
  StateDir d;
  PropertyStore store(d.path);
  asio::thread_pool pool(1);
  PropertyStoreAsync async(store, pool.get_executor());
  asio::io_context io;

  std::thread::id pool_thread;
  asio::post(pool, [&] { pool_thread = std::this_thread::get_id(); });
  // Learn the pool's thread id before the test relies on it.
  asio::post(pool, asio::use_future).get();

  std::thread::id ran_on, resumed_on, resumed_after_throw;
  std::vector<DeadProperty> got;
  bool caught = false;
  auto fut = asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        // Named vectors, not braced lists: g++ 12 cannot keep an initializer_list's array across a co_await.
        const std::string f = "f";
        std::vector<PropertyOp> small{set("urn:x", "a", "<a/>")};
        std::vector<PropertyOp> big{set("urn:x", "big", std::string(70000, 'x'))};
        co_await async.apply_patch(f, small);
        got = co_await async.get_properties(f);
        ran_on = co_await async.run([] { return std::this_thread::get_id(); });
        resumed_on = std::this_thread::get_id();
        try {
          co_await async.apply_patch(f, big);
        } catch (const PropertyLimitExceeded&) {
          caught = true;
        }
        resumed_after_throw = std::this_thread::get_id();
      },
      asio::use_future);
  io.run();  // the io_context runs on this thread only
  fut.get();
  pool.join();

  CHECK(got == std::vector<DeadProperty>{{"urn:x", "a", "<a/>"}});
  CHECK(ran_on == pool_thread);
  CHECK(ran_on != std::this_thread::get_id());
  CHECK(resumed_on == std::this_thread::get_id());
  CHECK(caught);
  CHECK(resumed_after_throw == std::this_thread::get_id());
}

// `dav115 index stats` and `clear` at the store level: counts from one snapshot, and clear leaves the
// writes feature's tables (dead properties, client-set times) alone.
#include <catch2/catch.hpp>

#include <filesystem>
#include <random>

#include "dav115/store/metadata_index.hpp"
#include "dav115/store/property_store.hpp"

namespace metadata_index_admin_test {

namespace fs = std::filesystem;
using namespace dav115::store;

struct AdminDir {
  fs::path path;
  AdminDir() {
    std::random_device rd;
    path = fs::temp_directory_path() / ("dav115-index-admin-" + std::to_string(rd()) + std::to_string(rd()));
    fs::create_directories(path);
  }
  ~AdminDir() { fs::remove_all(path); }
};

IndexFolder listing(std::size_t n, std::int64_t fetched_at_ms) {
  IndexFolder f;
  f.fetched_at_ms = fetched_at_ms;
  for (std::size_t i = 0; i < n; ++i) {
    IndexEntry e;
    e.id = std::to_string(i);
    e.name = "e" + e.id;
    f.entries.push_back(std::move(e));
  }
  return f;
}

TEST_CASE("index stats: zero without a database; counts, oldest listing and size with one") {
  AdminDir d;
  auto none = read_index_stats(d.path);
  CHECK(none.folders == 0);
  CHECK_FALSE(none.oldest_fetched_at_ms);
  CHECK_FALSE(fs::exists(PropertyStore::database_file(d.path)));  // a look does not create one

  MetadataIndex index(d.path);
  index.put_folder("a", listing(3, 2000));
  index.put_folder("b", listing(4, 1000));
  index.put_link("1", "UA", IndexLink{"u", 5, 0, 1, "S"});
  auto s = read_index_stats(d.path);
  CHECK(s.folders == 2);
  CHECK(s.entries == 7);
  CHECK(s.links == 1);
  CHECK(s.oldest_fetched_at_ms == 1000);
  CHECK(s.db_bytes + s.wal_bytes > 0);
}

TEST_CASE("index clear: listings and links go, dead properties and client-set times stay") {
  AdminDir d;
  {
    MetadataIndex index(d.path);
    index.put_folder("a", listing(1000, 1000));
    index.put_link("1", "UA", IndexLink{"u", 5, 0, 1, "S"});
    PropertyStore props(d.path);
    props.apply_patch("f", {{PropertyOp::Kind::Set, "urn:x", "a", "<a xmlns=\"urn:x\">1</a>"}});
    props.set_mtime("f", 42);
  }
  clear_index(d.path);
  auto s = read_index_stats(d.path);
  CHECK(s.folders == 0);
  CHECK(s.entries == 0);
  CHECK(s.links == 0);
  CHECK_FALSE(s.oldest_fetched_at_ms);
  PropertyStore props(d.path);
  CHECK(props.get_properties("f") == std::vector<DeadProperty>{{"urn:x", "a", "<a xmlns=\"urn:x\">1</a>"}});
  CHECK(props.get_mtimes({"f"}).at("f") == 42);
  MetadataIndex index(d.path);  // still a usable index
  index.put_folder("a", listing(1, 3000));
  CHECK(index.get_folder("a"));
}

}  // namespace metadata_index_admin_test

// vfs::Tree with a metadata index: listings written after a fetch, read back by a new Tree (a restart)
// with no 115 call, stale ones served and revalidated once, and invalidations and writes that keep a
// restart from showing an outdated listing.
#include <catch2/catch.hpp>

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <filesystem>
#include <random>

#include "dav115/store/metadata_index.hpp"
#include "dav115/store/metadata_index_async.hpp"
#include "fake_api.hpp"
#include "write_fixture.hpp"

namespace tree_index_test {

using namespace vfs_test;
namespace fs = std::filesystem;

struct IndexedFixture {
  fs::path dir;
  asio::io_context io;
  FakeApi api;
  ManualClock clock;
  config::Config cfg = small_config();
  std::unique_ptr<store::MetadataIndex> index;
  asio::thread_pool writer{1}, readers{1};
  std::shared_ptr<store::MetadataIndexAsync> async;
  std::unique_ptr<vfs::Tree> tree;

  IndexedFixture() {
    std::random_device rd;
    dir = fs::temp_directory_path() / ("dav115-tree-index-" + std::to_string(rd()) + std::to_string(rd()));
    fs::create_directories(dir);
    index = std::make_unique<store::MetadataIndex>(dir);
    async = std::make_shared<store::MetadataIndexAsync>(*index, writer.get_executor(), readers.get_executor());
    //   /a (10) : x.txt (20)     /b (11) : y.txt (21)
    api.put_folder("0", {entry("10", "0", "a", true), entry("11", "0", "b", true)});
    api.put_folder("10", {entry("20", "10", "x.txt", false, 5)});
    api.put_folder("11", {entry("21", "11", "y.txt", false, 7)});
    tree = make_tree();
  }
  ~IndexedFixture() {
    tree.reset();
    drain();
    writer.join();
    readers.join();
    async.reset();
    index.reset();
    fs::remove_all(dir);
  }
  std::unique_ptr<vfs::Tree> make_tree() {
    return std::make_unique<vfs::Tree>(io.get_executor(), api, cfg, clock.fn(), async);
  }
  // Waits until every queued index write has been committed (the writer is one thread, in order).
  void drain() {
    std::promise<void> done;
    asio::post(writer, [&] { done.set_value(); });
    done.get_future().wait();
  }
  // A new process on the same database: everything written so far is on disk, the memory cache is empty.
  void restart() {
    drain();
    tree = make_tree();
  }
  std::optional<vfs::Node> stat(std::vector<std::string> path) { return run(io, tree->stat(std::move(path), soon())); }
  std::vector<std::string> names(const std::string& folder_id) {
    std::vector<std::string> out;
    if (auto f = index->get_folder(folder_id))
      for (const auto& e : f->entries) out.push_back(e.name);
    return out;
  }
  int calls() { return api.list_calls("0") + api.list_calls("10") + api.list_calls("11"); }
};

TEST_CASE("tree index: a fetched listing is written to the index with its fields") {
  IndexedFixture f;
  REQUIRE(f.stat({"a", "x.txt"}));
  f.drain();
  CHECK(f.names("0") == Names{"a", "b"});
  auto docs = f.index->get_folder("10");
  REQUIRE(docs);
  REQUIRE(docs->entries.size() == 1);
  CHECK(docs->entries[0].id == "20");
  CHECK(docs->entries[0].size == 5);
  CHECK(docs->entries[0].pick_code == "pc20");
  CHECK(docs->complete);
  CHECK_FALSE(f.index->get_folder("11"));  // never listed
}

TEST_CASE("tree index: after a restart within the TTL a listed path costs no listing call") {
  IndexedFixture f;
  REQUIRE(f.stat({"a", "x.txt"}));
  const int before = f.calls();
  f.restart();
  auto n = f.stat({"a", "x.txt"});
  REQUIRE(n);
  CHECK(n->id == "20");
  CHECK(n->size == 5);
  auto listing = run(f.io, f.tree->list(*f.stat({"a"}), soon()));
  CHECK(listing->entries.size() == 1);
  CHECK(f.calls() == before);
  CHECK(f.tree->stats().revalidations == 0);
  // A folder never listed before the restart is still fetched.
  CHECK(f.stat({"b", "y.txt"}));
  CHECK(f.api.list_calls("11") == 1);
}

TEST_CASE("tree index: a listing older than the TTL is served at once and revalidated once") {
  IndexedFixture f;
  REQUIRE(f.stat({"a"}));
  f.drain();
  auto old = f.index->get_folder("0");
  REQUIRE(old);
  old->fetched_at_ms -= 120'000;  // listed two minutes before the restart (TTL 60 s)
  f.index->put_folder("0", *old);
  f.api.put_folder("0", {entry("10", "0", "a", true), entry("11", "0", "b", true), entry("12", "0", "new", true)});
  f.api.put_folder("12", {});

  f.restart();
  f.api.hold_next_list("0");  // the revalidation waits, so the answer below cannot come from it
  CHECK(f.stat({"a"}));
  CHECK_FALSE(f.stat({"new"}));  // the stale listing, served without waiting for 115
  CHECK(f.tree->stats().revalidations == 0);
  REQUIRE(run_until(f.io, [&] { return f.api.lists_held() == 1; }));
  f.api.release_lists();
  REQUIRE(run_until(f.io, [&] { return f.tree->stats().revalidations == 1; }));
  CHECK(f.api.list_calls("0") == 2);  // one background call however many stale reads
  CHECK(f.stat({"new"}));
  f.drain();
  CHECK(f.names("0") == Names{"a", "b", "new"});  // and the index has the new listing
  CHECK(f.api.list_calls("0") == 2);
}

TEST_CASE("tree index: invalidate() drops the indexed listing, so a restart asks 115") {
  IndexedFixture f;
  REQUIRE(f.stat({"a"}));
  f.tree->invalidate("0");
  f.drain();
  CHECK_FALSE(f.index->get_folder("0"));
  f.api.put_folder("0", {entry("10", "0", "a", true), entry("12", "0", "later", true)});
  f.restart();
  CHECK(f.stat({"later"}));
  CHECK(f.api.list_calls("0") == 2);
}

TEST_CASE("tree index: a parent naming a folder that is gone is not read back from the index again") {
  IndexedFixture f;
  REQUIRE(f.stat({"a"}));  // the index has / naming a -> 10, not folder 10 itself
  // Upstream, a was replaced by a new folder of the same name.
  f.api.remove_folder("10");
  f.api.put_folder("0", {entry("15", "0", "a", true), entry("11", "0", "b", true)});
  f.api.put_folder("15", {entry("25", "15", "x.txt", false, 9)});
  f.restart();
  // 10 is gone -> the parent is listed again from 115, not from its (same, outdated) indexed listing.
  auto n = f.stat({"a", "x.txt"});
  REQUIRE(n);
  CHECK(n->id == "25");
  CHECK(f.api.list_calls("0") == 2);
  f.drain();
  REQUIRE(f.index->get_folder("0"));
  CHECK(f.index->get_folder("0")->entries.at(0).id == "15");
}

TEST_CASE("tree index: writes reach the index, so a restart shows them") {
  IndexedFixture f;
  auto a = f.stat({"a"});
  REQUIRE(a);
  REQUIRE(f.stat({"a", "x.txt"}));
  // Cached folder: the written-through listing is stored.
  auto put = run(f.io, f.tree->put_file(*a, "n.bin", staged(42, "ABCDEF"), std::nullopt, soon()));
  auto made = run(f.io, f.tree->make_folder(*f.stat({}), "fresh", soon()));
  f.api.freeze_listing("10");  // from here 115 would not show n.bin: only the index can
  f.restart();
  const int before = f.calls();
  auto n = f.stat({"a", "n.bin"});
  REQUIRE(n);
  CHECK(n->id == put.id);
  CHECK(n->size == 42);
  CHECK(f.stat({"fresh"}));
  auto listing = run(f.io, f.tree->list(made, soon()));  // the new folder's empty listing is indexed too
  CHECK(listing->entries.empty());
  CHECK(f.api.list_calls(made.id) == 0);
  CHECK(f.calls() == before);
}

TEST_CASE("tree index: a write to a folder known only from the index distrusts it") {
  IndexedFixture f;
  REQUIRE(f.stat({"a", "x.txt"}));
  f.restart();
  // This Tree knows / from the index; folder a (10) is neither cached nor read back yet.
  auto a = f.stat({"a"});
  REQUIRE(a);
  run(f.io, f.tree->put_file(*a, "n.bin", staged(42, "ABCDEF"), std::nullopt, soon()));
  f.drain();
  CHECK_FALSE(f.index->get_folder("10"));  // the indexed listing lacks the write: gone
  f.restart();
  CHECK(f.stat({"a", "n.bin"}));  // listed again from 115, which has it
  CHECK(f.api.list_calls("10") == 2);
}

}  // namespace tree_index_test

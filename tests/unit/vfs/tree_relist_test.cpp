// cloud115.list_changes_first on the vfs side: a background revalidation hands relist_folder the listing
// the metadata index holds for the folder (as upstream gave it, before unique names); with the setting
// off, or with nothing indexed, it is an ordinary list_folder.
#include <catch2/catch.hpp>

#include <boost/asio/thread_pool.hpp>
#include <filesystem>
#include <random>

#include "dav115/store/metadata_index.hpp"
#include "dav115/store/metadata_index_async.hpp"
#include "fake_api.hpp"

using namespace vfs_test;
namespace fs = std::filesystem;

namespace {

// Records the known listings handed to relist_folder, and answers with the folder as it is now.
struct RelistApi : FakeApi {
  std::vector<std::vector<cloud115::Entry>> known_given;
  asio::awaitable<cloud115::Relisting> relist_folder(std::string cid, std::vector<cloud115::Entry> known,
                                                     cloud115::CallOptions opts) override {
    known_given.push_back(known);
    auto listing = list_folder(cid, opts);
    cloud115::Relisting r;
    r.entries = co_await std::move(listing);
    r.total_count = r.entries.size();
    r.stopped_early = true;
    co_return r;
  }
};

struct IndexedTree {
  fs::path dir;
  asio::io_context io;
  RelistApi api;
  ManualClock clock;
  asio::thread_pool writer{1}, readers{1};
  std::unique_ptr<store::MetadataIndex> index;
  std::shared_ptr<store::MetadataIndexAsync> async_index;
  std::unique_ptr<vfs::Tree> tree;

  explicit IndexedTree(bool changes_first) {
    std::random_device rd;
    dir = fs::temp_directory_path() / ("dav115-relist-" + std::to_string(rd()) + std::to_string(rd()));
    fs::create_directories(dir);
    index = std::make_unique<store::MetadataIndex>(dir);
    async_index = std::make_shared<store::MetadataIndexAsync>(*index, writer.get_executor(), readers.get_executor());
    auto cfg = small_config();
    cfg.cloud115.list_changes_first = changes_first;
    // Two entries of one name: the index must keep them as upstream named them, not as disambiguated.
    api.put_folder("0", {entry("10", "0", "a", true), entry("11", "0", "same.txt", false, 1),
                         entry("12", "0", "same.txt", false, 2)});
    api.put_folder("10", {});
    tree = std::make_unique<vfs::Tree>(io.get_executor(), api, cfg, clock.fn(), async_index);
  }
  ~IndexedTree() {
    tree.reset();
    writer.join();
    readers.join();
    async_index.reset();
    index.reset();
    fs::remove_all(dir);
  }

  // Lists the root, lets the index take it, then changes it upstream and revalidates it.
  void list_change_revalidate() {
    REQUIRE(run(io, tree->stat({"a"}, soon())));
    REQUIRE(wait_until_indexed("0"));
    api.put_folder("0", {entry("10", "0", "a", true), entry("11", "0", "same.txt", false, 1),
                         entry("12", "0", "same.txt", false, 2), entry("13", "0", "new", true)});
    clock.advance(61s);
    REQUIRE(run(io, tree->stat({"a"}, soon())));  // stale: served, revalidated in the background
    REQUIRE(run_until(io, [&] { return tree->stats().revalidations == 1; }));
  }
  bool wait_until_indexed(const std::string& id) {
    auto limit = std::chrono::steady_clock::now() + 10s;
    while (!index->get_folder(id) && std::chrono::steady_clock::now() < limit) std::this_thread::sleep_for(5ms);
    return index->get_folder(id).has_value();
  }
};

}  // namespace

TEST_CASE("with list_changes_first a revalidation hands relist_folder the indexed listing as upstream gave it") {
  IndexedTree t(true);
  t.list_change_revalidate();
  REQUIRE(t.api.known_given.size() == 1);  // the revalidation; the first, interactive listing was a plain one
  const auto& known = t.api.known_given[0];
  REQUIRE(known.size() == 3);
  CHECK(std::count_if(known.begin(), known.end(), [](const auto& e) { return e.name == "same.txt"; }) == 2);
  CHECK(t.api.list_calls("0") == 2);
  CHECK(run(t.io, t.tree->stat({"new"}, soon())));  // the re-listing's result is what the tree serves now
}

TEST_CASE("without list_changes_first a revalidation is a plain listing") {
  IndexedTree t(false);
  t.list_change_revalidate();
  CHECK(t.api.known_given.empty());
  CHECK(t.api.list_calls("0") == 2);
  CHECK(run(t.io, t.tree->stat({"new"}, soon())));
}

#pragma once
// A Tree over a FakeApi with a manual clock, for the write tests:
//   /docs (10) : a.txt (20)      /other (11) : b.txt (21)
#include <algorithm>

#include "fake_api.hpp"

namespace vfs_test {

struct WriteFixture {
  asio::io_context io;
  FakeApi api;
  ManualClock clock;
  config::Config cfg = small_config();
  std::unique_ptr<vfs::Tree> tree;

  WriteFixture() {
    api.put_folder("0", {entry("10", "0", "docs", true), entry("11", "0", "other", true)});
    api.put_folder("10", {entry("20", "10", "a.txt", false, 5)});
    api.put_folder("11", {entry("21", "11", "b.txt", false, 7)});
    tree = std::make_unique<vfs::Tree>(io.get_executor(), api, cfg, clock.fn());
  }

  vfs::Node at(std::vector<std::string> path) {
    auto n = run(io, tree->stat(std::move(path), soon()));
    REQUIRE(n);
    return *n;
  }
  std::shared_ptr<const vfs::Listing> list(const vfs::Node& dir) { return run(io, tree->list(dir, soon())); }
  // The names the Tree lists in `dir`, sorted.
  std::vector<std::string> names(const vfs::Node& dir) {
    std::vector<std::string> out;
    for (const auto& n : list(dir)->entries) out.push_back(n.name);
    std::sort(out.begin(), out.end());
    return out;
  }
  // What the fake 115 really holds in folder `id`, sorted.
  std::vector<std::string> upstream(const std::string& id) {
    auto out = api.children(id);
    std::sort(out.begin(), out.end());
    return out;
  }
  // Lets the stale listing of `dir` be served and revalidated in the background; waits for it.
  void revalidate(const vfs::Node& dir) {
    auto before = tree->stats().revalidations;
    list(dir);
    REQUIRE(run_until(io, [&] { return tree->stats().revalidations == before + 1; }));
  }
};

inline vfs::StagedUpload staged(std::uint64_t size, std::string sha1) {
  return vfs::StagedUpload{"/nonexistent/staged", size, std::move(sha1), "PRE"};
}

using Names = std::vector<std::string>;

}  // namespace vfs_test

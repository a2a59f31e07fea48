#include <catch2/catch.hpp>

#include <thread>

#include "dav115/util/metrics.hpp"
#include "fake_api.hpp"

using namespace vfs_test;

namespace {
struct CacheFixture {
  asio::io_context io;
  FakeApi api;
  ManualClock clock;
  config::Config cfg = small_config();
  CacheFixture() {
    api.put_folder("0", {entry("10", "0", "a", true), entry("11", "0", "b", true), entry("12", "0", "c", true)});
    api.put_folder("10", {entry("20", "10", "x.txt", false)});
    api.put_folder("11", {entry("21", "11", "y.txt", false)});
    api.put_folder("12", {entry("22", "12", "z.txt", false)});
  }
};
}  // namespace

TEST_CASE("100 concurrent stats of an uncached folder cost one listing per folder") {
  CacheFixture f;
  f.api.set_delay(50ms);  // keep the first fetch in flight while the others arrive
  vfs::Tree tree(f.io.get_executor(), f.api, f.cfg);
  std::atomic<int> found{0}, done{0};
  // Built outside the coroutine: g++ 12 rejects a braced list of string literals inside one.
  const std::vector<std::string> path{"a", "x.txt"};
  for (int i = 0; i < 100; ++i) {
    asio::co_spawn(f.io, [&]() -> asio::awaitable<void> {
      auto resolving = tree.stat(path, soon());  // created apart from co_await: see the path comment
      auto n = co_await std::move(resolving);
      if (n && n->id == "20") ++found;
      ++done;
    }, asio::detached);
  }
  std::thread other([&] { f.io.run_for(10s); });
  f.io.run_for(10s);
  other.join();
  CHECK(done == 100);
  CHECK(found == 100);
  CHECK(f.api.list_calls("0") == 1);
  CHECK(f.api.list_calls("10") == 1);
}

TEST_CASE("after the TTL the stale listing is served and revalidated once in the background") {
  CacheFixture f;
  vfs::Tree tree(f.io.get_executor(), f.api, f.cfg, f.clock.fn());
  REQUIRE(run(f.io, tree.stat({"a"}, soon())));
  f.api.put_folder("0", {entry("10", "0", "a", true), entry("13", "0", "new", true)});
  f.clock.advance(61s);

  auto hits_before = util::Metrics::global().value("dav115_listing_cache_total", {{"result", "stale"}});
  // Served from the stale listing: "new" is not in it yet, "a" still is.
  CHECK_FALSE(run(f.io, tree.stat({"new"}, soon())));
  CHECK(run(f.io, tree.stat({"a"}, soon())));
  CHECK(tree.stats().stale_served >= 1);
  CHECK(util::Metrics::global().value("dav115_listing_cache_total", {{"result", "stale"}}) > hits_before);

  REQUIRE(run_until(f.io, [&] { return tree.stats().revalidations == 1; }));
  CHECK(f.api.list_calls("0") == 2);  // one revalidation although two stale reads happened
  CHECK(f.api.last_list_options().priority == cloud115::Priority::Background);
  auto hits = tree.stats().hits;
  CHECK(run(f.io, tree.stat({"new"}, soon())));  // the refreshed listing, fresh again
  CHECK(tree.stats().hits == hits + 1);
  CHECK(f.api.list_calls("0") == 2);
}

TEST_CASE("a failed revalidation keeps serving the stale listing and is counted") {
  CacheFixture f;
  vfs::Tree tree(f.io.get_executor(), f.api, f.cfg, f.clock.fn());
  REQUIRE(run(f.io, tree.stat({"a"}, soon())));
  f.api.fail_list("0", cloud115::ApiError(cloud115::ErrorKind::RateLimited, 770004, "too fast", 30s));
  f.clock.advance(61s);
  CHECK(run(f.io, tree.stat({"a"}, soon())));
  REQUIRE(run_until(f.io, [&] { return tree.stats().revalidation_failures == 1; }));
  CHECK(run(f.io, tree.stat({"a"}, soon())));  // still served, no exception
  CHECK(tree.stats().revalidations == 0);
  // Backed off for the upstream's retry_after: the read above did not start another call.
  CHECK(f.api.list_calls("0") == 2);
}

TEST_CASE("a cold failure is a BackendError of the right kind, never nullopt or empty") {
  using K = vfs::BackendError::Kind;
  auto kind = GENERATE(cloud115::ErrorKind::RateLimited, cloud115::ErrorKind::Unavailable,
                       cloud115::ErrorKind::ReauthRequired, cloud115::ErrorKind::Other);
  CacheFixture f;
  vfs::Tree tree(f.io.get_executor(), f.api, f.cfg);
  f.api.fail_list("0", cloud115::ApiError(kind, 1, "upstream says no", 0s));
  std::optional<vfs::BackendError> caught;
  try {
    run(f.io, tree.stat({"a"}, soon()));
  } catch (const vfs::BackendError& e) {
    caught = e;
  }
  REQUIRE(caught);
  K expected = kind == cloud115::ErrorKind::RateLimited      ? K::RateLimited
               : kind == cloud115::ErrorKind::ReauthRequired ? K::ReauthRequired
                                                             : K::Unavailable;
  CHECK(caught->kind == expected);
  CHECK(caught->retry_after >= 1s);
  CHECK_THROWS_AS(run(f.io, tree.list(tree.root(), soon())), vfs::BackendError);
  CHECK(tree.stats().folders_cached == 0);

  f.api.fail_list("0", std::nullopt);  // failures are not cached: the next request asks again
  CHECK(run(f.io, tree.stat({"a"}, soon())));
}

TEST_CASE("retry_after from the upstream is carried to the BackendError") {
  CacheFixture f;
  vfs::Tree tree(f.io.get_executor(), f.api, f.cfg);
  f.api.fail_list("0", cloud115::ApiError(cloud115::ErrorKind::RateLimited, 406, "quota", 45s));
  try {
    run(f.io, tree.stat({"a"}, soon()));
    FAIL("expected BackendError");
  } catch (const vfs::BackendError& e) {
    CHECK(e.retry_after == 45s);
  }
}

TEST_CASE("the cache holds at most max_cached_folders, evicting the least recently used") {
  CacheFixture f;
  f.cfg.cache.max_cached_folders = 3;
  vfs::Tree tree(f.io.get_executor(), f.api, f.cfg);
  REQUIRE(run(f.io, tree.stat({"a", "x.txt"}, soon())));  // caches 0, 10
  REQUIRE(run(f.io, tree.stat({"b", "y.txt"}, soon())));  // caches 11 (root touched)
  REQUIRE(run(f.io, tree.stat({"c", "z.txt"}, soon())));  // caches 12, evicts 10 (least recently used)
  CHECK(tree.stats().folders_cached == 3);
  CHECK(util::Metrics::global().value("dav115_listing_cache_folders") == 3);

  REQUIRE(run(f.io, tree.stat({"b", "y.txt"}, soon())));
  CHECK(f.api.list_calls("11") == 1);  // still cached
  REQUIRE(run(f.io, tree.stat({"a", "x.txt"}, soon())));
  CHECK(f.api.list_calls("10") == 2);  // was evicted
  CHECK(f.api.list_calls("0") == 1);   // root kept because it is used on every walk
  CHECK(tree.stats().folders_cached == 3);
}

TEST_CASE("a revalidation that changes nothing keeps the listing version; a change bumps it") {
  CacheFixture f;
  vfs::Tree tree(f.io.get_executor(), f.api, f.cfg, f.clock.fn());
  auto v1 = run(f.io, tree.list(tree.root(), soon()))->version;
  f.clock.advance(61s);
  run(f.io, tree.list(tree.root(), soon()));
  REQUIRE(run_until(f.io, [&] { return tree.stats().revalidations == 1; }));
  auto same = run(f.io, tree.list(tree.root(), soon()));
  CHECK(same->version == v1);

  f.api.put_folder("0", {entry("10", "0", "a", true)});
  f.clock.advance(61s);
  run(f.io, tree.list(tree.root(), soon()));
  REQUIRE(run_until(f.io, [&] { return tree.stats().revalidations == 2; }));
  auto changed = run(f.io, tree.list(tree.root(), soon()));
  CHECK(changed->version != v1);
  CHECK(changed->entries.size() == 1);
}

TEST_CASE("invalidate makes the next read fetch again") {
  CacheFixture f;
  vfs::Tree tree(f.io.get_executor(), f.api, f.cfg);
  REQUIRE(run(f.io, tree.stat({"a"}, soon())));
  tree.invalidate("0");
  REQUIRE(run(f.io, tree.stat({"a"}, soon())));
  CHECK(f.api.list_calls("0") == 2);
}

TEST_CASE("a Tree destroyed while a background revalidation runs does not crash") {
  CacheFixture f;
  auto tree = std::make_unique<vfs::Tree>(f.io.get_executor(), f.api, f.cfg, f.clock.fn());
  REQUIRE(run(f.io, tree->stat({"a"}, soon())));
  f.api.set_delay(30ms);
  f.clock.advance(61s);
  REQUIRE(run(f.io, tree->stat({"a"}, soon())));  // starts the background revalidation
  tree.reset();
  REQUIRE(run_until(f.io, [&] { return f.api.list_calls("0") == 2; }));
  f.io.restart();
  f.io.run_for(2s);  // lets the revalidation finish against the orphaned cache
  CHECK(f.io.stopped());
}

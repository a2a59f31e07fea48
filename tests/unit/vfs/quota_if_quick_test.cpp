// Tree::quota_if_quick, the allprop bonus: known figures at once; never-known ones only if 115 gives them
// within the patience; a slow 115 leaves them out, and they are there for the next request.
#include <catch2/catch.hpp>

#include "fake_api.hpp"

using namespace vfs_test;

TEST_CASE("quota_if_quick: a quick 115 is waited for, a slow one is not, and its answer serves the next request") {
  asio::io_context io;
  FakeApi api;
  ManualClock clock;
  auto cfg = small_config();
  vfs::Tree tree(io.get_executor(), api, cfg, clock.fn());

  SECTION("quick") {
    auto q = run(io, tree.quota_if_quick(5s));
    REQUIRE(q);
    CHECK(q->total == 1000);
  }
  SECTION("slow") {
    api.set_delay(3s);
    auto began = std::chrono::steady_clock::now();
    CHECK_FALSE(run(io, tree.quota_if_quick(10ms)));
    CHECK(std::chrono::steady_clock::now() - began < 3s);  // did not wait for the call
    REQUIRE(run_until(io, [&] { return api.quota_calls() == 1; }));
    REQUIRE(run_until(io, [&] { return run(io, tree.quota_if_quick(0ms)).has_value(); }));
    // Stale figures are served at once and refreshed once in the background.
    clock.advance(301s);
    CHECK(run(io, tree.quota_if_quick(0ms)));
    REQUIRE(run_until(io, [&] { return api.quota_calls() == 2; }));
  }
}

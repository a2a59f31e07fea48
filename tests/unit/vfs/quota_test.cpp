#include <catch2/catch.hpp>

#include "fake_api.hpp"

using namespace vfs_test;

TEST_CASE("quota is cached for quota_ttl and fetched once for concurrent callers") {
  asio::io_context io;
  FakeApi api;
  ManualClock clock;
  auto cfg = small_config();
  api.set_delay(20ms);
  vfs::Tree tree(io.get_executor(), api, cfg, clock.fn());
  std::atomic<int> done{0};
  for (int i = 0; i < 10; ++i)
    asio::co_spawn(io, [&]() -> asio::awaitable<void> {
      auto asking = tree.quota(soon());
      auto q = co_await std::move(asking);
      if (q.total == 1000 && q.used == 400) ++done;
    }, asio::detached);
  REQUIRE(run_until(io, [&] { return done == 10; }));
  CHECK(api.quota_calls() == 1);

  run(io, tree.quota(soon()));
  CHECK(api.quota_calls() == 1);
  clock.advance(301s);
  api.set_quota({2000, 500, 1500});
  CHECK(run(io, tree.quota(soon())).total == 2000);
  CHECK(api.quota_calls() == 2);
}

TEST_CASE("quota serves the old value when a refresh fails, and fails when it has none") {
  asio::io_context io;
  FakeApi api;
  ManualClock clock;
  auto cfg = small_config();
  vfs::Tree tree(io.get_executor(), api, cfg, clock.fn());

  api.fail_quota(cloud115::ApiError(cloud115::ErrorKind::Unavailable, 0, "down"));
  CHECK_THROWS_AS(run(io, tree.quota(soon())), vfs::BackendError);

  api.fail_quota(std::nullopt);
  CHECK(run(io, tree.quota(soon())).total == 1000);
  clock.advance(301s);
  api.fail_quota(cloud115::ApiError(cloud115::ErrorKind::RateLimited, 770004, "too fast"));
  CHECK(run(io, tree.quota(soon())).total == 1000);
  CHECK(api.quota_calls() == 3);
}

// How requests that share an upstream listing wait: each until its own deadline, and never behind a
// background revalidation.
#include <catch2/catch.hpp>

#include <boost/asio/redirect_error.hpp>

#include "fake_api.hpp"

using namespace vfs_test;

namespace {

// Holds list calls (all of them, or only background ones) until release(); driven on one thread.
class HeldApi : public FakeApi {
 public:
  explicit HeldApi(asio::io_context& io) : gate_(io, std::chrono::steady_clock::time_point::max()) {}
  bool hold_all = false, hold_background = false;
  int held = 0;
  void release() {
    hold_all = hold_background = false;
    gate_.cancel();
  }
  asio::awaitable<std::vector<cloud115::Entry>> list_folder(std::string cid, cloud115::CallOptions opts) override {
    if (hold_all || (hold_background && opts.priority == cloud115::Priority::Background)) {
      ++held;
      boost::system::error_code ec;
      co_await gate_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    auto listing = FakeApi::list_folder(cid, opts);
    co_return co_await std::move(listing);
  }

 private:
  asio::steady_timer gate_;
};

}  // namespace

TEST_CASE("a request that joined a slow listing gives up at its own deadline with 503, the leader goes on") {
  asio::io_context io;
  HeldApi api(io);
  api.put_folder("0", {entry("10", "0", "a", true)});
  api.hold_all = true;
  vfs::Tree tree(io.get_executor(), api, small_config());

  std::optional<vfs::Node> leader_result;
  bool leader_done = false;
  asio::co_spawn(io, [&]() -> asio::awaitable<void> {
    auto resolving = tree.stat({"a"}, std::chrono::steady_clock::now() + 1h);
    leader_result = co_await std::move(resolving);
    leader_done = true;
  }, asio::detached);
  REQUIRE(run_until(io, [&] { return api.held == 1; }));

  std::optional<vfs::BackendError> follower_error;
  asio::co_spawn(io, [&]() -> asio::awaitable<void> {
    try {
      auto resolving = tree.stat({"a"}, std::chrono::steady_clock::now() + 50ms);
      co_await std::move(resolving);
    } catch (const vfs::BackendError& e) {
      follower_error = e;
    }
  }, asio::detached);
  REQUIRE(run_until(io, [&] { return follower_error.has_value(); }));
  CHECK(follower_error->kind == vfs::BackendError::Kind::Unavailable);
  CHECK(follower_error->retry_after >= 1s);
  CHECK_FALSE(leader_done);
  CHECK(api.held == 1);  // the follower did not start a call of its own

  api.release();
  REQUIRE(run_until(io, [&] { return leader_done; }));
  REQUIRE(leader_result);
  CHECK(leader_result->id == "10");
}

TEST_CASE("an interactive listing does not queue behind a background revalidation of the same folder") {
  asio::io_context io;
  HeldApi api(io);
  ManualClock clock;
  api.put_folder("0", {entry("10", "0", "a", true)});
  vfs::Tree tree(io.get_executor(), api, small_config(), clock.fn());
  REQUIRE(run(io, tree.stat({"a"}, soon())));

  // The listing goes stale: the next stat is served from it and starts a revalidation, which the
  // governor would hold at background priority (here: until release()).
  api.hold_background = true;
  clock.advance(61s);
  REQUIRE(run(io, tree.stat({"a"}, soon())));
  REQUIRE(run_until(io, [&] { return api.held == 1; }));

  // The cached listing is dropped meanwhile: the next reader needs a listing now.
  tree.invalidate("0");
  auto found = run(io, tree.stat({"a"}, soon()));
  REQUIRE(found);
  CHECK(found->id == "10");
  CHECK(api.list_calls("0") == 2);  // the first fill and this one; the revalidation is still held
  CHECK(api.held == 1);

  api.release();
  REQUIRE(run_until(io, [&] { return tree.stats().revalidations == 1; }));
}

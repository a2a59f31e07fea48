// One rule for 404: only when 115 confirms the object itself is gone. A listing or a download link that
// fails with "not found" for an object 115 still has (a glitch, an empty downurl `data`) is 503.
#include <catch2/catch.hpp>

#include "fake_api.hpp"

using namespace vfs_test;

namespace {
struct Fixture {
  asio::io_context io;
  FakeApi api;
  config::Config cfg = small_config();
  Fixture() {
    api.put_folder("0", {entry("10", "0", "dir", true), entry("11", "0", "f.mkv", false, 5)});
    api.put_folder("10", {entry("20", "10", "inner.txt", false, 1)});
  }
};

// What a call threw: "gone", "unavailable", or "" for success.
template <class Awaitable>
std::string outcome(asio::io_context& io, Awaitable a) {
  auto wrapped = [](Awaitable inner) -> asio::awaitable<std::string> {
    try {
      co_await std::move(inner);
    } catch (const vfs::NotFoundError&) {
      co_return "gone";
    } catch (const vfs::BackendError& e) {
      co_return e.kind == vfs::BackendError::Kind::Unavailable ? "unavailable" : "other backend error";
    }
    co_return "";
  };
  return run(io, wrapped(std::move(a)));
}
}  // namespace

TEST_CASE("list: a folder 115 cannot list but still has is 503, a deleted one 404") {
  Fixture f;
  vfs::Tree tree(f.io.get_executor(), f.api, f.cfg);
  auto dir = run(f.io, tree.stat({"dir"}, soon()));
  REQUIRE(dir);
  f.api.fail_list("10", cloud115::ApiError(cloud115::ErrorKind::NotFound, 430004, "glitch"));
  CHECK(outcome(f.io, tree.list(*dir, soon())) == "unavailable");
  CHECK(f.api.info_calls() == 1);
  f.api.fail_list("10", std::nullopt);
  f.api.remove_folder("10");
  CHECK(outcome(f.io, tree.list(*dir, soon())) == "gone");
}

TEST_CASE("download_link: an empty downurl for a file 115 still has is 503, a deleted file 404") {
  Fixture f;
  vfs::Tree tree(f.io.get_executor(), f.api, f.cfg);
  auto file = run(f.io, tree.stat({"f.mkv"}, soon()));
  REQUIRE(file);
  auto link = run(f.io, tree.download_link(*file, "UA", soon()));
  CHECK(link.url == "https://cdn.example/11");
  CHECK(link.user_agent == "UA");

  f.api.fail_links(cloud115::ApiError(cloud115::ErrorKind::NotFound, 0, "downurl: empty data"));
  CHECK(outcome(f.io, tree.download_link(*file, "UA", soon())) == "unavailable");
  f.api.fail_links(cloud115::ApiError(cloud115::ErrorKind::RateLimited, 770004, "slow down"));
  CHECK(outcome(f.io, tree.download_link(*file, "UA", soon())) == "other backend error");
  f.api.fail_links(std::nullopt);
  f.api.delete_file("11");
  CHECK(outcome(f.io, tree.download_link(*file, "UA", soon())) == "gone");
}

TEST_CASE("asking whether an object is gone can itself fail: that is 503, never 404") {
  Fixture f;
  vfs::Tree tree(f.io.get_executor(), f.api, f.cfg);
  auto file = run(f.io, tree.stat({"f.mkv"}, soon()));
  REQUIRE(file);
  f.api.fail_links(cloud115::ApiError(cloud115::ErrorKind::NotFound, 0, "downurl: empty data"));
  f.api.fail_info(cloud115::ApiError(cloud115::ErrorKind::Unavailable, 0, "reset"));
  CHECK(outcome(f.io, tree.download_link(*file, "UA", soon())) == "unavailable");
  auto dir = run(f.io, tree.stat({"dir"}, soon()));
  REQUIRE(dir);
  f.api.remove_folder("10");
  CHECK(outcome(f.io, tree.list(*dir, soon())) == "unavailable");
}

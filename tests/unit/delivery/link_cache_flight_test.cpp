#include <catch2/catch.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <optional>

#include "dav115/delivery/link_cache.hpp"

namespace asio = boost::asio;
using namespace dav115;

TEST_CASE("LinkCache: a caller that joined a slow mint gives up at its own deadline, the mint goes on") {
  asio::io_context io;
  delivery::LinkCache cache{std::chrono::seconds(300), [] { return std::int64_t{1000}; }};
  asio::steady_timer gate(io, std::chrono::steady_clock::time_point::max());
  int mints = 0;
  delivery::LinkCache::Mint mint = [&]() -> asio::awaitable<vfs::DownloadLink> {
    ++mints;
    boost::system::error_code ec;
    co_await gate.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    vfs::DownloadLink l;
    l.url = "https://cdn.115cdn.net/f";
    l.expires_at = 5000;
    co_return l;
  };
  // Named: get() takes them by reference and runs only when awaited.
  const std::string file_id = "1", ua = "ua";
  std::optional<std::string> first_url;
  asio::co_spawn(io, [&]() -> asio::awaitable<void> {
    auto getting = cache.get(file_id, ua, mint, std::chrono::steady_clock::now() + std::chrono::hours(1));
    first_url = (co_await std::move(getting)).url;
  }, asio::detached);
  std::optional<vfs::BackendError> joined_error;
  asio::co_spawn(io, [&]() -> asio::awaitable<void> {
    try {
      auto getting = cache.get(file_id, ua, mint, std::chrono::steady_clock::now() + std::chrono::milliseconds(50));
      co_await std::move(getting);
    } catch (const vfs::BackendError& e) {
      joined_error = e;
    }
  }, asio::detached);

  auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!joined_error && std::chrono::steady_clock::now() < give_up) {
    io.restart();
    io.run_one_for(std::chrono::milliseconds(100));
  }
  REQUIRE(joined_error);
  CHECK(joined_error->kind == vfs::BackendError::Kind::Unavailable);
  CHECK(joined_error->retry_after >= std::chrono::seconds(1));
  CHECK_FALSE(first_url);

  gate.cancel();
  io.restart();
  io.run_for(std::chrono::seconds(30));
  CHECK(first_url == "https://cdn.115cdn.net/f");
  CHECK(mints == 1);
}

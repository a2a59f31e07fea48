#include <catch2/catch.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "dav115/delivery/link_cache.hpp"

namespace asio = boost::asio;
using namespace dav115;
using namespace dav115::delivery;

namespace {
struct Env {
  asio::io_context io;
  std::int64_t now = 1000;
  LinkCache cache{std::chrono::seconds(300), [this] { return now; }};
  int mints = 0;

  LinkCache::Mint mint(std::string ua, std::int64_t t) {
    return [this, ua, t]() -> asio::awaitable<vfs::DownloadLink> {
      ++mints;
      // Let concurrent callers pile up behind the first.
      asio::steady_timer timer(co_await asio::this_coro::executor, std::chrono::milliseconds(1));
      co_await timer.async_wait(asio::use_awaitable);
      vfs::DownloadLink l;
      l.url = "https://cdn.115cdn.net/f?ua=" + ua + "&n=" + std::to_string(mints);
      l.user_agent = ua;
      l.expires_at = t;
      co_return l;
    };
  }

  std::string get(const std::string& id, const std::string& ua, std::int64_t t = 5000) {
    std::string url;
    asio::co_spawn(io, [&]() -> asio::awaitable<void> {
      auto m = mint(ua, t);
      auto link = co_await cache.get(id, ua, std::move(m));
      url = link.url;
    }, asio::detached);
    io.run();
    io.restart();
    return url;
  }
};
}  // namespace

TEST_CASE("LinkCache reuses a link per (file, UA) until the margin before expiry") {
  Env e;
  auto a = e.get("1", "vlc");
  CHECK(e.get("1", "vlc") == a);
  CHECK(e.mints == 1);
  CHECK(e.get("1", "mpv") != a);  // another UA gets its own link
  CHECK(e.mints == 2);
  e.now = 5000 - 300;  // inside the margin: re-minted
  CHECK(e.get("1", "vlc") != a);
  CHECK(e.mints == 3);
}

TEST_CASE("LinkCache single-flights concurrent requests and honours invalidate") {
  Env e;
  std::vector<std::string> urls;
  for (int i = 0; i < 5; ++i)
    asio::co_spawn(e.io, [&]() -> asio::awaitable<void> {
      auto m = e.mint("ua", 5000);
      auto link = co_await e.cache.get("7", "ua", std::move(m));
      urls.push_back(link.url);
    }, asio::detached);
  e.io.run();
  e.io.restart();
  REQUIRE(urls.size() == 5);
  CHECK(e.mints == 1);
  for (const auto& u : urls) CHECK(u == urls[0]);
  e.cache.invalidate("7", "ua", "some-other-url");  // stale invalidation leaves the entry alone
  CHECK(e.get("7", "ua") == urls[0]);
  e.cache.invalidate("7", "ua", urls[0]);
  CHECK(e.get("7", "ua") != urls[0]);
  CHECK(e.mints == 2);
}

TEST_CASE("LinkConnectionBudget enforces the link's connection cap") {
  auto budget = std::make_shared<LinkConnectionBudget>();
  vfs::DownloadLink l;
  l.url = "u";
  l.max_connections = 2;
  auto a = LinkConnectionBudget::try_acquire(budget, l);
  auto b = LinkConnectionBudget::try_acquire(budget, l);
  auto c = LinkConnectionBudget::try_acquire(budget, l);
  CHECK(a);
  CHECK(b);
  CHECK_FALSE(c);
  CHECK(budget->open_count("u") == 2);
  a.release();
  CHECK(LinkConnectionBudget::try_acquire(budget, l));
  l.max_connections = 0;  // unlimited
  std::vector<LinkConnectionBudget::Lease> many;
  for (int i = 0; i < 10; ++i) many.push_back(LinkConnectionBudget::try_acquire(budget, l));
  for (auto& m : many) CHECK(m);
}

// LinkCache with a metadata index: a link minted before a restart is reused by the next process with
// no mint, unless it is inside the expiry margin, and invalidate() keeps a refused link from coming back.
#include <catch2/catch.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_future.hpp>
#include <filesystem>
#include <future>
#include <random>

#include "dav115/delivery/link_cache.hpp"
#include "dav115/store/metadata_index.hpp"
#include "dav115/store/metadata_index_async.hpp"

namespace link_cache_index_test {

namespace asio = boost::asio;
namespace fs = std::filesystem;
using namespace dav115;
using namespace std::chrono_literals;

struct IndexedLinks {
  fs::path dir;
  std::unique_ptr<store::MetadataIndex> index;
  asio::thread_pool writer{1}, readers{1};
  std::shared_ptr<store::MetadataIndexAsync> async;
  asio::io_context io;
  std::int64_t now = 1'700'000'000;
  int mints = 0;   // since the last restart
  int minted = 0;  // ever: makes every minted URL unique
  std::unique_ptr<delivery::LinkCache> cache;

  IndexedLinks() {
    std::random_device rd;
    dir = fs::temp_directory_path() / ("dav115-link-index-" + std::to_string(rd()) + std::to_string(rd()));
    fs::create_directories(dir);
    index = std::make_unique<store::MetadataIndex>(dir);
    async = std::make_shared<store::MetadataIndexAsync>(*index, writer.get_executor(), readers.get_executor());
    restart();
  }
  ~IndexedLinks() {
    cache.reset();
    drain();
    writer.join();
    readers.join();
    async.reset();
    index.reset();
    fs::remove_all(dir);
  }
  void drain() {
    std::promise<void> done;
    asio::post(writer, [&] { done.set_value(); });
    done.get_future().wait();
  }
  // A new process: the index on disk, an empty in-memory cache, a mint counter from zero.
  void restart() {
    if (cache) drain();
    cache = std::make_unique<delivery::LinkCache>(300s, [this] { return now; }, async);
    mints = 0;
  }
  // The link for (id, ua); a mint makes one valid for `lifetime` seconds from now.
  vfs::DownloadLink get(const std::string& id, const std::string& ua, std::int64_t lifetime = 3600) {
    delivery::LinkCache::Mint mint = [this, ua, lifetime]() -> asio::awaitable<vfs::DownloadLink> {
      ++mints;
      vfs::DownloadLink l;
      l.url = "https://cdn.115cdn.net/f?n=" + std::to_string(++minted);
      l.user_agent = ua;
      l.expires_at = now + lifetime;
      l.max_connections = 2;
      l.size = 5'000'000'000ull;
      l.sha1 = "ABC";
      co_return l;
    };
    // The index read hops to the reader pool and back: poll until the answer is in (bounded).
    auto fut = asio::co_spawn(io, cache->get(id, ua, std::move(mint)), asio::use_future);
    const auto limit = std::chrono::steady_clock::now() + 10s;
    while (fut.wait_for(0s) != std::future_status::ready && std::chrono::steady_clock::now() < limit) {
      io.restart();
      io.run_one_for(20ms);
    }
    REQUIRE(fut.wait_for(0s) == std::future_status::ready);
    return fut.get();
  }
};

TEST_CASE("link cache index: a link minted before a restart is reused with no mint") {
  IndexedLinks t;
  auto first = t.get("1", "Kodi/20");
  CHECK(t.mints == 1);
  t.restart();
  t.now += 600;  // ten minutes later, still well before expiry minus the margin
  auto again = t.get("1", "Kodi/20");
  CHECK(t.mints == 0);
  CHECK(again.url == first.url);
  CHECK(again.expires_at == first.expires_at);
  CHECK(again.max_connections == 2);
  CHECK(again.size == 5'000'000'000ull);
  CHECK(again.user_agent == "Kodi/20");
  // Per User-Agent: another client's link is its own.
  auto other = t.get("1", "VLC/3");
  CHECK(t.mints == 1);
  CHECK(other.url != first.url);
}

TEST_CASE("link cache index: a link within the expiry margin is not reused after a restart") {
  IndexedLinks t;
  auto first = t.get("1", "Kodi/20");
  t.restart();
  t.now += 3600 - 300;  // exactly at expiry minus the 300 s margin
  auto again = t.get("1", "Kodi/20");
  CHECK(t.mints == 1);
  CHECK(again.url != first.url);
}

TEST_CASE("link cache index: invalidate() forgets the kept link too") {
  IndexedLinks t;
  auto first = t.get("1", "Kodi/20");
  t.cache->invalidate("1", "Kodi/20", first.url);  // the CDN refused it
  t.drain();
  CHECK_FALSE(t.index->get_link("1", "Kodi/20"));
  t.restart();
  auto again = t.get("1", "Kodi/20");
  CHECK(t.mints == 1);
  CHECK(again.url != first.url);
}

}  // namespace link_cache_index_test

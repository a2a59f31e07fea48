// list_folder pages by the `count` 115 returns, checks the echoed offset, lists again when the folder
// shifted between pages, and fails with Unavailable rather than return a short listing.
#include <catch2/catch.hpp>

#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <random>

#include "../net/test_server.hpp"
#include "dav115/cloud115/open_api_client.hpp"
#include "scratch_dir.hpp"

namespace asio = boost::asio;
namespace fs = std::filesystem;
using namespace dav115;
using namespace dav115::cloud115;
using namespace std::chrono_literals;
using dav115::test::run_test;
using test::ServerReply;
using test::ServerRequest;
using test::TestServer;

namespace {

long long query_int(const std::string& target, const std::string& key) {
  auto at = target.find("&" + key + "=");
  if (at == std::string::npos) at = target.find("?" + key + "=");
  if (at == std::string::npos) return -1;
  return std::stoll(target.substr(at + key.size() + 2));
}

// A folder of `size` files "f0".."f<size-1>" with scripted misbehaviour per listing call.
struct Folder {
  int size = 10;
  int short_max = 0;          // > 0: every page holds at most this many entries (count unchanged)
  int shift_pages = 0;        // this many later pages answer as if one earlier entry had been deleted
  int wrong_offset_pages = 0; // this many later pages echo an offset other than the one asked for
  int calls = 0;

  std::string entry(int i) const {
    return R"({"fid":")" + std::to_string(100 + i) + R"(","pid":"0","fc":"1","fn":"f)" + std::to_string(i) +
           R"(","fs":1,"pc":"p","sha1":"ab","upt":1})";
  }

  asio::awaitable<ServerReply> handle(const ServerRequest& req) {
    std::string target(req.target());
    if (target.rfind("/open/ufile/files?", 0) != 0) co_return ServerReply{404, "{}"};
    ++calls;
    long long offset = query_int(target, "offset"), limit = query_int(target, "limit");
    long long echoed = offset, count = size, first = offset;
    if (offset > 0 && shift_pages > 0) {
      --shift_pages;
      ++first;
      --count;
    } else if (offset > 0 && wrong_offset_pages > 0) {
      --wrong_offset_pages;
      echoed = 0;
    }
    long long n = std::min<long long>(limit, size - first);
    if (short_max > 0) n = std::min<long long>(n, short_max);
    std::string data;
    for (long long i = first; i < first + n; ++i) data += (data.empty() ? "" : ",") + entry(static_cast<int>(i));
    co_return ServerReply{200, R"({"state":true,"code":0,"cid":0,"count":)" + std::to_string(count) +
                                   R"(,"offset":)" + std::to_string(echoed) + R"(,"data":[)" + data + "]}"};
  }
};

config::Cloud115 list_cfg(const std::string& base) {
  config::Cloud115 c;
  c.api_base = base;
  c.passport_base = base;
  c.refresh_token = "refresh-0";
  c.access_token = "access";
  c.rate_limit = {1000.0, 100};
  c.request_timeout = 5000ms;
  c.page_size = 4;
  return c;
}

struct Outcome {
  std::vector<Entry> entries;
  std::optional<ApiError> error;
};

Outcome list_once(Folder& folder) {
  asio::io_context io;
  TestServer server(io.get_executor(), [&](const ServerRequest& r) { return folder.handle(r); });
  net::HttpClient http(io.get_executor());
  cloud115_test::ScratchDir dir;
  auto cfg = list_cfg(server.base_url());
  OpenApiClient client(io.get_executor(), http, cfg, dir.path.string());
  Outcome out;
  run_test(io, [&]() -> asio::awaitable<void> {
    co_await client.start();
    try {
      out.entries = co_await client.list_folder("0", CallOptions{Priority::Interactive, std::chrono::steady_clock::now() + 10s});
    } catch (const ApiError& e) {
      out.error = e;
    }
  });
  client.stop();
  return out;
}

std::set<std::string> names(const std::vector<Entry>& entries) {
  std::set<std::string> s;
  for (const auto& e : entries) s.insert(e.name);
  return s;
}

}  // namespace

TEST_CASE("short pages do not end a listing: list_folder pages until it holds `count` entries") {
  Folder folder;
  folder.short_max = 3;  // page size 4, so every page is "short"
  auto out = list_once(folder);
  REQUIRE_FALSE(out.error);
  CHECK(out.entries.size() == 10);
  CHECK(names(out.entries).size() == 10);
  CHECK(folder.calls == 4);  // 3 + 3 + 3 + 1
}

TEST_CASE("a folder that shifts between pages is listed again from the start") {
  Folder folder;
  folder.shift_pages = 1;
  auto out = list_once(folder);
  REQUIRE_FALSE(out.error);
  CHECK(out.entries.size() == 10);
  CHECK(names(out.entries).count("f4") == 1);  // the entry the shift would have skipped
}

TEST_CASE("an echoed offset other than the one asked for means the pages cannot be trusted") {
  Folder folder;
  folder.wrong_offset_pages = 1;
  auto out = list_once(folder);
  REQUIRE_FALSE(out.error);
  CHECK(out.entries.size() == 10);
}

TEST_CASE("a folder that keeps shifting fails with Unavailable and a Retry-After hint, never a short listing") {
  Folder folder;
  folder.shift_pages = 1000;
  auto out = list_once(folder);
  REQUIRE(out.error);
  CHECK(out.error->kind == ErrorKind::Unavailable);
  CHECK(out.error->retry_after >= 1s);
  CHECK(out.entries.empty());
  CHECK(folder.calls <= 3 * 2);  // a bounded number of passes, each ended by the second page
}

TEST_CASE("pages that run dry before `count` is reached fail with Unavailable") {
  Folder folder;
  folder.size = 10;
  folder.short_max = 0;
  // count says 12, but only 10 entries exist.
  Folder liar = folder;
  auto handler = [&liar](const ServerRequest& r) -> asio::awaitable<ServerReply> {
    auto reply = co_await liar.handle(r);
    auto at = reply.body.find("\"count\":10");
    if (at != std::string::npos) reply.body.replace(at, 10, "\"count\":12");
    co_return reply;
  };
  asio::io_context io;
  TestServer server(io.get_executor(), handler);
  net::HttpClient http(io.get_executor());
  cloud115_test::ScratchDir dir;
  auto cfg = list_cfg(server.base_url());
  OpenApiClient client(io.get_executor(), http, cfg, dir.path.string());
  std::optional<ApiError> error;
  run_test(io, [&]() -> asio::awaitable<void> {
    co_await client.start();
    try {
      co_await client.list_folder("0", CallOptions{Priority::Interactive, std::chrono::steady_clock::now() + 10s});
    } catch (const ApiError& e) {
      error = e;
    }
  });
  client.stop();
  REQUIRE(error);
  CHECK(error->kind == ErrorKind::Unavailable);
}

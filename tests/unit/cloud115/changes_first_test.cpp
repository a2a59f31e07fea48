// Re-listing newest first (cloud115.list_changes_first): the scan stops at the first unchanged entry and
// fills in the rest from the known listing, but only when that adds up to 115's count; otherwise, or when
// the setting is off, relist_folder lists the folder in full by name.
#include <catch2/catch.hpp>

#include <boost/asio/io_context.hpp>
#include <algorithm>

#include "../net/test_server.hpp"
#include "dav115/cloud115/changes_first.hpp"
#include "dav115/cloud115/open_api_client.hpp"
#include "scratch_dir.hpp"

namespace asio = boost::asio;
using namespace dav115;
using namespace dav115::cloud115;
using namespace std::chrono_literals;
using dav115::test::run_test;
using test::ServerReply;
using test::ServerRequest;
using test::TestServer;

namespace {

Entry file(int i, std::int64_t mtime) {
  Entry e;
  e.id = std::to_string(1000 + i);
  e.parent_id = "0";
  e.name = "f" + std::to_string(1000 + i);
  e.size = 10;
  e.mtime = e.ctime = mtime;
  e.sha1 = "AB";
  e.pick_code = "p" + e.id;
  return e;
}

// Files f1000.. dated 100, 101, ...: the folder as listed earlier.
std::vector<Entry> folder_of(int n) {
  std::vector<Entry> v;
  for (int i = 0; i < n; ++i) v.push_back(file(i, 100 + i));
  return v;
}

std::vector<Entry> newest_first(std::vector<Entry> v) {
  std::stable_sort(v.begin(), v.end(), [](const Entry& a, const Entry& b) { return a.mtime > b.mtime; });
  return v;
}

std::vector<std::string> ids(const std::vector<Entry>& v) {
  std::vector<std::string> out;
  for (const auto& e : v) out.push_back(e.id);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST_CASE("one new entry: the scan stops after the first unchanged one and the result is the whole folder") {
  auto known = folder_of(10);
  auto now = known;
  now.push_back(file(50, 500));
  ChangesFirstScan scan(known);
  CHECK(scan.feed(newest_first(now)) == ChangesFirstScan::Step::Done);
  CHECK(scan.seen() == 2);  // the new entry and the first unchanged one
  auto all = scan.result(now.size());
  REQUIRE(all);
  CHECK(ids(*all) == ids(now));
  CHECK(scan.stopped());
}

TEST_CASE("a changed entry is taken as 115 gives it now, the older ones from the known listing") {
  auto known = folder_of(10);
  auto now = known;
  now[3].size = 99;
  now[3].mtime = 600;
  ChangesFirstScan scan(known);
  CHECK(scan.feed(newest_first(now)) == ChangesFirstScan::Step::Done);
  auto all = scan.result(now.size());
  REQUIRE(all);
  auto it = std::find_if(all->begin(), all->end(), [](const Entry& e) { return e.id == "1003"; });
  REQUIRE(it != all->end());
  CHECK(it->size == 99);
}

TEST_CASE("a deleted entry makes the count disagree: no result") {
  auto known = folder_of(10);
  auto now = known;
  now.erase(now.begin() + 2);    // an old one, never reached by the scan
  now.push_back(file(50, 500));  // and a new one
  ChangesFirstScan scan(known);
  CHECK(scan.feed(newest_first(now)) == ChangesFirstScan::Step::Done);
  CHECK_FALSE(scan.result(now.size()));
  CHECK_FALSE(scan.why().empty());
}

TEST_CASE("entries dated like the first unchanged one are still read (changes within the same second)") {
  auto known = folder_of(10);
  auto now = known;
  now.push_back(file(50, 109));  // new, dated like the newest unchanged entry, and listed after it
  ChangesFirstScan scan(known);
  CHECK(scan.feed(newest_first(now)) == ChangesFirstScan::Step::Done);
  auto all = scan.result(now.size());
  REQUIRE(all);
  CHECK(ids(*all) == ids(now));
}

TEST_CASE("pages that are not newest first are unsound") {
  auto known = folder_of(10);
  ChangesFirstScan scan(known);
  CHECK(scan.feed(known) == ChangesFirstScan::Step::Unsound);  // oldest first: 115 ignored the order
}

TEST_CASE("a scan that reads every entry without stopping is a full listing") {
  auto known = folder_of(3);
  std::vector<Entry> now = {file(7, 300), file(8, 200)};  // every known entry changed or gone
  ChangesFirstScan scan(known);
  CHECK(scan.feed(newest_first(now)) == ChangesFirstScan::Step::More);
  auto all = scan.result(2);
  REQUIRE(all);
  CHECK(ids(*all) == ids(now));
}

namespace {

// A folder served like 115: by name, or newest first with o=user_utime&asc=0; records each call.
struct Upstream {
  std::vector<Entry> entries;
  std::vector<std::string> targets;

  static std::string param(const std::string& target, const std::string& key) {
    auto at = target.find("&" + key + "=");
    if (at == std::string::npos) at = target.find("?" + key + "=");
    if (at == std::string::npos) return "";
    auto from = at + key.size() + 2;
    return target.substr(from, target.find('&', from) - from);
  }

  asio::awaitable<ServerReply> handle(const ServerRequest& req) {
    std::string target(req.target());
    if (target.rfind("/open/ufile/files?", 0) != 0) co_return ServerReply{404, "{}"};
    targets.push_back(target);
    auto order = entries;
    if (param(target, "o") == "user_utime" && param(target, "asc") == "0") order = newest_first(order);
    else std::sort(order.begin(), order.end(), [](const Entry& a, const Entry& b) { return a.name < b.name; });
    const auto offset = std::stoul(param(target, "offset")), limit = std::stoul(param(target, "limit"));
    std::string data;
    for (auto i = offset; i < order.size() && i < offset + limit; ++i) {
      const auto& e = order[i];
      data += (data.empty() ? "" : ",") + std::string(R"({"fid":")") + e.id + R"(","pid":"0","fc":"1","fn":")" +
              e.name + R"(","fs":)" + std::to_string(e.size) + R"(,"pc":")" + e.pick_code +
              R"(","sha1":"ab","upt":)" + std::to_string(e.mtime) + "}";
    }
    co_return ServerReply{200, R"({"state":true,"code":0,"cid":0,"count":)" + std::to_string(order.size()) +
                                   R"(,"offset":)" + std::to_string(offset) + R"(,"data":[)" + data + "]}"};
  }
};

Relisting relist(Upstream& up, const std::vector<Entry>& known, bool changes_first) {
  asio::io_context io;
  TestServer server(io.get_executor(), [&](const ServerRequest& r) { return up.handle(r); });
  net::HttpClient http(io.get_executor());
  cloud115_test::ScratchDir dir;
  config::Cloud115 cfg;
  cfg.api_base = cfg.passport_base = server.base_url();
  cfg.refresh_token = "refresh-0";
  cfg.access_token = "access";
  cfg.rate_limit = {1000.0, 100};
  cfg.request_timeout = 5000ms;
  cfg.page_size = 4;
  cfg.list_changes_first = changes_first;
  OpenApiClient client(io.get_executor(), http, cfg, dir.path.string());
  Relisting out;
  run_test(io, [&]() -> asio::awaitable<void> {
    co_await client.start();
    out = co_await client.relist_folder("0", known, CallOptions{Priority::Background, std::chrono::steady_clock::now() + 10s});
  });
  client.stop();
  return out;
}

}  // namespace

TEST_CASE("relist_folder with list_changes_first: one page newest first after one change, same result as in full") {
  auto known = folder_of(20);  // 5 pages of 4
  Upstream up{known, {}};
  up.entries.push_back(file(50, 500));
  auto r = relist(up, known, true);
  CHECK(r.stopped_early);
  CHECK(up.targets.size() == 1);
  CHECK(Upstream::param(up.targets[0], "o") == "user_utime");
  CHECK(Upstream::param(up.targets[0], "asc") == "0");
  CHECK(Upstream::param(up.targets[0], "custom_order") == "2");  // folders not pinned ahead of the dates
  CHECK(ids(r.entries) == ids(up.entries));
  CHECK(r.total_count == 21);
}

TEST_CASE("relist_folder falls back to the full listing when the count does not add up (a deletion)") {
  auto known = folder_of(20);
  Upstream up{known, {}};
  up.entries.erase(up.entries.begin());
  up.entries.push_back(file(50, 500));
  auto r = relist(up, known, true);
  CHECK_FALSE(r.stopped_early);
  CHECK(ids(r.entries) == ids(up.entries));
  REQUIRE(up.targets.size() == 1 + 5);  // the newest page, then 20 entries by name in pages of 4
  CHECK(Upstream::param(up.targets[1], "o") == "file_name");
}

TEST_CASE("relist_folder with the setting off lists in full by name") {
  auto known = folder_of(20);
  Upstream up{known, {}};
  up.entries.push_back(file(50, 500));
  auto r = relist(up, known, false);
  CHECK_FALSE(r.stopped_early);
  CHECK(ids(r.entries) == ids(up.entries));
  CHECK(up.targets.size() == 6);
  for (const auto& t : up.targets) CHECK(Upstream::param(t, "o") == "file_name");
}

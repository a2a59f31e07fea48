// The metadata index after the TTL: a restarted gateway answers from the index at once, even with 115 slow,
// then revalidates every folder it served exactly once in the background, and shows what changed upstream.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "support/fake115.hpp"
#include "support/gateway.hpp"
#include "support/multistatus.hpp"

using namespace dav115::test;
using nlohmann::json;

namespace {

double wall_seconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

double gateway_metric(Gateway& gw, const std::string& name) {
  auto page = "\n" + http("GET", gw.base_url() + "/metrics").body;
  auto at = page.find("\n" + name + " ");
  return at == std::string::npos ? 0 : std::stod(page.substr(at + name.size() + 2));
}

constexpr const char* kRevalidatedOk = "dav115_listing_revalidations_total{result=\"ok\"}";

std::set<std::string> hrefs(Gateway& gw, const std::string& path) {
  auto r = dav(gw, "PROPFIND", path, {{"Depth", "1"}}, "", {std::chrono::seconds(60)});
  REQUIRE(r.status == 207);
  std::set<std::string> out;
  for (const auto& d : parse_multistatus(r.body)) out.insert(d.href);
  return out;
}

// A write straight to the emulator's API, as another 115 client (the phone app) would make it.
void upstream_write(Fake115& emu, const std::string& path, const HttpHeaders& form) {
  auto r = http("POST", emu.base_url() + path,
                {{"Authorization", "Bearer " + emu.access_token()},
                 {"Content-Type", "application/x-www-form-urlencoded"}},
                form_encode(form));
  REQUIRE(r.status == 200);
  REQUIRE(json::parse(r.body)["state"] == true);
}

// The listing calls answered since `since`: cid -> offsets asked for, and when each was answered.
struct ListingCalls {
  std::map<std::string, std::vector<std::string>> offsets;
  std::map<std::string, double> first_answer;
};
ListingCalls listing_calls(Fake115& emu, std::uint64_t since) {
  ListingCalls out;
  for (const auto& c : emu.calls(since)) {
    if (c["path"] != "/open/ufile/files") continue;
    const std::string cid = c["fields"].value("cid", "");
    out.offsets[cid].push_back(c["fields"].value("offset", "0"));
    double t = c["time"].get<double>();
    if (!out.first_answer.count(cid) || t < out.first_answer[cid]) out.first_answer[cid] = t;
  }
  return out;
}

}  // namespace

TEST_CASE("after the TTL: answered from the index at once, one background listing per folder, changes show") {
  Fake115 emu;
  constexpr int kTtlS = 4;
  Gateway gw(emu, {{"cache", {{"listing_ttl_s", kTtlS}}}});
  const std::string big = url_encode("many") + "/";
  const std::string deep = "level1/level2/level3/level4/";
  const std::vector<std::string> paths = {"/", big, deep};
  std::map<std::string, std::set<std::string>> before;
  for (const auto& p : paths) before[p] = hrefs(gw, p);
  REQUIRE(before[big].size() > 5000);
  const double last_answer = wall_seconds();
  // Every listing above is in the index before the stop (SIGTERM drains the writer).
  gw.stop();

  // The folders the three PROPFINDs read: each must be revalidated exactly once.
  std::map<std::string, std::size_t> pages_of = {{"0", 1}, {emu.entry("many")["id"], 5}};
  for (const char* p : {"level1", "level1/level2", "level1/level2/level3", "level1/level2/level3/level4"})
    pages_of[emu.entry(p)["id"]] = 1;

  // Meanwhile, upstream: a file copied into the root, the deep file deleted.
  upstream_write(emu, "/open/ufile/copy", {{"file_id", emu.entry("docs/readme.txt")["id"]}, {"pid", "0"}});
  upstream_write(emu, "/open/ufile/delete", {{"file_ids", emu.entry("level1/level2/level3/level4/deep.txt")["id"]}});

  // A bounded wait for "the TTL has passed" since the listings were fetched (before `last_answer`).
  REQUIRE(wait_until([&] { return wall_seconds() > last_answer + kTtlS + 0.5; }, std::chrono::seconds(30)));
  emu.control({{"latency_ms", 3000}});
  const std::uint64_t since = emu.stats()["last_seq"];
  gw.start();

  // Eight clients at once on the big folder, one on each other path: all answered from the index.
  std::mutex mu;
  std::map<std::string, double> answered_at;  // the latest 207 per path
  std::map<std::string, std::vector<std::set<std::string>>> seen;
  std::vector<std::thread> clients;
  std::vector<std::string> requests = paths;
  for (int i = 0; i < 7; ++i) requests.push_back(big);
  for (const auto& p : requests)
    clients.emplace_back([&, p] {
      auto got = hrefs(gw, p);
      std::lock_guard lk(mu);
      answered_at[p] = std::max(answered_at[p], wall_seconds());
      seen[p].push_back(std::move(got));
    });
  for (auto& t : clients) t.join();
  for (const auto& p : paths) {
    INFO(p);
    for (const auto& s : seen[p]) CHECK(s == before[p]);  // the indexed listing, from before the changes
  }

  // Settled: every folder's revalidation finished (its pages all answered).
  REQUIRE(wait_until([&] { return gateway_metric(gw, kRevalidatedOk) >= pages_of.size(); }, std::chrono::seconds(180),
                     std::chrono::milliseconds(200)));
  auto calls = listing_calls(emu, since);
  for (const auto& [cid, pages] : pages_of) {
    INFO("folder " << cid);
    auto offsets = calls.offsets[cid];
    CHECK(offsets.size() == pages);  // one pass, one call per page
    CHECK(std::set<std::string>(offsets.begin(), offsets.end()).size() == offsets.size());
  }
  CHECK(calls.offsets.size() == pages_of.size());  // no other folder listed
  // Each PROPFIND was answered before 115 answered any listing call for the folder it shows: the answer
  // came from the index, not from 115 (which takes 3 s a call here).
  const std::map<std::string, std::string> cid_of = {
      {"/", "0"}, {big, emu.entry("many")["id"]}, {deep, emu.entry("level1/level2/level3/level4")["id"]}};
  for (const auto& p : paths) {
    INFO(p);
    REQUIRE(calls.first_answer.count(cid_of.at(p)));
    CHECK(answered_at[p] < calls.first_answer[cid_of.at(p)]);
  }

  // After the revalidation, the upstream changes show.
  emu.control({{"latency_ms", 0}});
  auto root_now = hrefs(gw, "/");
  CHECK(root_now.size() == before["/"].size() + 1);
  CHECK(std::count_if(root_now.begin(), root_now.end(),
                      [](const std::string& h) { return h.find("readme.txt") != std::string::npos; }) == 1);
  auto deep_now = hrefs(gw, deep);
  CHECK(deep_now.size() == before[deep].size() - 1);
  CHECK(std::none_of(deep_now.begin(), deep_now.end(),
                     [](const std::string& h) { return h.find("deep.txt") != std::string::npos; }));
}

namespace {

// What a client sees of a listing: every href with its type, size, date and ETag.
std::map<std::string, std::string> listing_seen(Gateway& gw, const std::string& path) {
  auto r = dav(gw, "PROPFIND", path, {{"Depth", "1"}}, "", {std::chrono::seconds(60)});
  REQUIRE(r.status == 207);
  return listing_summary(r.body);
}

// The folder as a gateway that has never seen it lists it (in full, by name).
std::map<std::string, std::string> full_listing(Fake115& emu, const std::string& path) {
  Gateway fresh(emu, {{"index", {{"enabled", false}}}});
  return listing_seen(fresh, path);
}

}  // namespace

TEST_CASE("list_changes_first: a re-listing after one change reads one page; a deletion falls back to the full one") {
  Fake115 emu;
  constexpr int kTtlS = 2;
  Gateway gw(emu, {{"cache", {{"listing_ttl_s", kTtlS}}}, {"cloud115", {{"list_changes_first", true}}}});
  const std::string many = "many/";
  const std::string many_id = emu.entry("many")["id"];
  REQUIRE(listing_seen(gw, many).size() > 5000);

  // Revalidates `many` (stale by then) and waits until that revalidation, and the root's, are over.
  auto revalidate = [&](double fetched_before) {
    REQUIRE(wait_until([&] { return wall_seconds() > fetched_before + kTtlS + 0.5; }, std::chrono::seconds(30)));
    const double done_before = gateway_metric(gw, kRevalidatedOk);
    const std::uint64_t since = emu.stats()["last_seq"];
    listing_seen(gw, many);  // stale: answered at once, revalidated in the background (root and many)
    REQUIRE(wait_until([&] { return gateway_metric(gw, kRevalidatedOk) >= done_before + 2; },
                       std::chrono::seconds(120), std::chrono::milliseconds(100)));
    std::vector<json> pages;
    for (const auto& c : emu.calls(since))
      if (c["path"] == "/open/ufile/files" && c["fields"].value("cid", "") == many_id) pages.push_back(c["fields"]);
    return pages;
  };

  SECTION("one new entry: one newest-first page, and the same listing as a full one") {
    double t = wall_seconds();
    upstream_write(emu, "/open/folder/add", {{"pid", many_id}, {"file_name", "new arrival"}});
    auto pages = revalidate(t);
    REQUIRE(pages.size() == 1);  // instead of 5 pages of 1,150
    CHECK(pages[0]["o"] == "user_utime");
    CHECK(pages[0]["asc"] == "0");
    CHECK(gateway_metric(gw, "dav115_listing_relist_early_stops_total") >= 1);
    auto now = listing_seen(gw, many);
    CHECK(now.size() == 5002);  // the folder itself, 5,000 files and the new folder
    CHECK(now == full_listing(emu, many));
  }
  SECTION("an old entry deleted: the count does not add up, so the folder is listed in full") {
    double t = wall_seconds();
    upstream_write(emu, "/open/folder/add", {{"pid", many_id}, {"file_name", "new arrival"}});
    upstream_write(emu, "/open/ufile/delete", {{"file_ids", emu.entry("many/file-00000.txt")["id"]}});
    auto pages = revalidate(t);
    REQUIRE(pages.size() == 1 + 5);
    CHECK(pages[0]["o"] == "user_utime");
    for (std::size_t i = 1; i < pages.size(); ++i) CHECK(pages[i]["o"] == "file_name");
    auto now = listing_seen(gw, many);
    CHECK(now.size() == 5001);
    CHECK(now == full_listing(emu, many));
  }
}

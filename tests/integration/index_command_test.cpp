// `dav115 index stats|clear|warm` against the emulator: warm lists the whole tree (20,000-entry folder
// included) within the configured rate, a gateway then serves it with no listing call, an interrupted
// warm-up resumes without listing a folder twice, and clear keeps the dead properties.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>
#include <regex>
#include <set>

#include "support/fake115.hpp"
#include "support/gateway.hpp"
#include "support/multistatus.hpp"

using namespace dav115::test;
using nlohmann::json;

namespace {

constexpr const char* kListPath = "/open/ufile/files";

// A gateway's config and state dir, the gateway itself stopped: warm and clear need the state_dir lock.
json overrides(double qps, int burst) {
  return {{"cloud115", {{"rate_limit", {{"qps", qps}, {"burst", burst}}}}}, {"cache", {{"listing_ttl_s", 3600}}}};
}

CommandResult index_cmd(Gateway& gw, std::vector<std::string> args) {
  std::vector<std::string> argv{dav115_binary(), "index"};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.insert(argv.end(), {"--config", gw.config_path()});
  return run_command(argv, std::chrono::seconds(300));
}

json stats_json(Gateway& gw) {
  auto r = index_cmd(gw, {"stats", "--json"});
  REQUIRE(r.exit_code == 0);
  return json::parse(r.out);
}

struct TreeFacts {
  std::vector<std::string> folder_paths;  // relative, without the root
  std::size_t entries = 0;
};

TreeFacts tree_facts(Fake115& emu) {
  TreeFacts f;
  const json tree = emu.tree();  // kept: a loop over a temporary's member would dangle
  for (const auto& e : tree["entries"]) {
    ++f.entries;
    if (e["is_dir"].get<bool>()) f.folder_paths.push_back(e["path"].get<std::string>());
  }
  return f;
}

std::string encoded_dir(const std::string& path) {
  std::string out;
  std::size_t i = 0;
  while (i < path.size()) {
    auto j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    if (j > i) out += url_encode(path.substr(i, j - i)) + "/";
    i = j + 1;
  }
  return out;
}

std::vector<json> list_calls(Fake115& emu, std::uint64_t since) {
  std::vector<json> out;
  const json calls = emu.calls(since);
  for (const auto& c : calls)
    if (c["path"] == kListPath) out.push_back(c);
  return out;
}

// The most proapi calls that arrived within any `window_s` window, from the calls' own timestamps.
std::size_t busiest_window(Fake115& emu, std::uint64_t since, double window_s) {
  std::vector<double> at;
  const json calls = emu.calls(since);
  for (const auto& c : calls)
    if (c["path"].get<std::string>().rfind("/open/", 0) == 0) at.push_back(c["arrived"].get<double>());
  std::sort(at.begin(), at.end());
  std::size_t most = 0;
  for (std::size_t i = 0, j = 0; i < at.size(); ++i) {
    while (j < at.size() && at[j] < at[i] + window_s) ++j;
    most = std::max(most, j - i);
  }
  return most;
}

// The last "warm: D/K folders" progress line in `log`: {done, known}, or {0, 0} before the first.
std::pair<int, int> last_progress(const std::string& log) {
  static const std::regex line(R"(warm: (\d+)/(\d+) folders)");
  std::pair<int, int> last{0, 0};
  for (auto it = std::sregex_iterator(log.begin(), log.end(), line); it != std::sregex_iterator(); ++it)
    last = {std::stoi((*it)[1]), std::stoi((*it)[2])};
  return last;
}

}  // namespace

TEST_CASE("index warm / lists every folder within the configured rate; a gateway then makes no listing call") {
  Fake115 emu({"--include-optional"});
  constexpr double kQps = 10;
  constexpr int kBurst = 5;
  Gateway gw(emu, overrides(kQps, kBurst));
  gw.stop();
  const TreeFacts tree = tree_facts(emu);
  REQUIRE(tree.entries > 25000);  // the 20,000-entry folder is there

  const std::uint64_t since = emu.stats()["last_seq"];
  auto warm = index_cmd(gw, {"warm", "/"});
  INFO(warm.out << warm.err);
  REQUIRE(warm.exit_code == 0);
  CHECK(warm.out.find("finished") != std::string::npos);
  // Not a terminal: plain progress lines on stderr, and the final state among them.
  const auto [done, known] = last_progress(warm.err);
  CHECK(done == static_cast<int>(tree.folder_paths.size()) + 1);
  CHECK(known == done);

  // Every folder (and the root) listed once, the big one in pages.
  std::set<std::string> cids;
  for (const auto& c : list_calls(emu, since)) cids.insert(c["fields"]["cid"].get<std::string>());
  CHECK(cids.size() == tree.folder_paths.size() + 1);
  // The governor's token bucket allows at most burst + qps * W calls in any W seconds at the sender.
  // Arrival times carry the sender's scheduling jitter (a call held back by a busy machine lands right
  // next to the following one), hence one call of slack; without a working governor the whole walk
  // (39 calls) lands within a second.
  for (const double window : {1.0, 3.0}) {
    INFO("window " << window << " s");
    CHECK(busiest_window(emu, since, window) <= static_cast<std::size_t>(kBurst + kQps * window) + 1);
  }

  json s = stats_json(gw);
  CHECK(s["folders"] == tree.folder_paths.size() + 1);
  CHECK(s["entries"] == tree.entries);
  CHECK(s["links"] == 0);
  CHECK(s["size_bytes"].get<std::uint64_t>() > 0);
  CHECK(s["oldest_fetched_at"].is_string());
  CHECK(s["warm_run"]["finished"] == true);
  auto plain = index_cmd(gw, {"stats"});
  CHECK(plain.exit_code == 0);
  CHECK(plain.out.find("entries:      " + std::to_string(tree.entries)) != std::string::npos);

  const std::uint64_t before_gateway = emu.stats()["last_seq"];
  gw.start();
  std::vector<std::string> paths{""};
  for (const auto& p : tree.folder_paths) paths.push_back(encoded_dir(p));
  for (const auto& p : paths) {
    INFO(p);
    auto r = dav(gw, "PROPFIND", p, {{"Depth", "1"}}, "", {std::chrono::seconds(60)});
    CHECK(r.status == 207);
  }
  CHECK(list_calls(emu, before_gateway).empty());

  // stats reads next to the running gateway; clear and warm refuse to run beside it.
  CHECK(stats_json(gw)["folders"] == tree.folder_paths.size() + 1);
  auto refused = index_cmd(gw, {"clear"});
  CHECK(refused.exit_code == 1);
  CHECK(refused.err.find("locked") != std::string::npos);
  CHECK(refused.err.find("stop the gateway") != std::string::npos);
  auto refused_warm = index_cmd(gw, {"warm", "/"});
  CHECK(refused_warm.exit_code == 1);
  CHECK(refused_warm.err.find("stop the gateway") != std::string::npos);
}

TEST_CASE("index warm resumes after SIGINT without listing a folder twice; warming again starts over") {
  Fake115 emu({"--include-optional"});
  Gateway gw(emu, overrides(4, 1));  // slow enough to interrupt half-way
  gw.stop();
  const TreeFacts tree = tree_facts(emu);
  const int all_folders = static_cast<int>(tree.folder_paths.size()) + 1;

  const std::uint64_t since = emu.stats()["last_seq"];
  {
    ChildProcess warm({dav115_binary(), "index", "warm", "/", "--config", gw.config_path()}, {},
                      gw.state_dir() + "/warm-1.log");
    bool halfway = wait_until(
        [&] {
          auto [d, k] = last_progress(warm.log());
          return (d >= 3 && d < all_folders) || !warm.running();
        },
        std::chrono::seconds(120));
    REQUIRE(halfway);
    REQUIRE(warm.running());
    warm.kill(SIGINT);
    auto code = warm.wait_exit(std::chrono::seconds(120));
    INFO(warm.log());
    REQUIRE(code == 130);
    CHECK(warm.log().find("To resume: dav115 index warm '/'") != std::string::npos);
    CHECK(last_progress(warm.log()).first < all_folders);
  }
  CHECK(stats_json(gw)["warm_run"]["finished"] == false);

  auto second = index_cmd(gw, {"warm", "/"});
  INFO(second.err << second.out);
  REQUIRE(second.exit_code == 0);
  CHECK(second.err.find("resuming") != std::string::npos);
  CHECK(last_progress(second.err).first == all_folders);

  // Each page of each folder at most once over both runs, but for the one folder in flight at the
  // interrupt (its pages so far are lost with it).
  std::map<std::pair<std::string, std::string>, int> pages;
  std::set<std::string> cids;
  for (const auto& c : list_calls(emu, since)) {
    const auto cid = c["fields"]["cid"].get<std::string>();
    cids.insert(cid);
    ++pages[{cid, c["fields"].value("offset", std::string("0"))}];
  }
  std::set<std::string> repeated;
  for (const auto& [key, n] : pages)
    if (n > 1) repeated.insert(key.first);
  CHECK(repeated.size() <= 1);
  CHECK(static_cast<int>(cids.size()) == all_folders);
  CHECK(stats_json(gw)["warm_run"]["finished"] == true);

  // After a finished run, warm starts a new one: every folder is listed again (faster: not under test).
  gw.config()["cloud115"]["rate_limit"] = {{"qps", 50}, {"burst", 50}};
  gw.write_config();
  const std::uint64_t before_third = emu.stats()["last_seq"];
  auto third = index_cmd(gw, {"warm", "/"});
  REQUIRE(third.exit_code == 0);
  CHECK(third.err.find("resuming") == std::string::npos);
  std::set<std::string> relisted;
  for (const auto& c : list_calls(emu, before_third)) relisted.insert(c["fields"]["cid"].get<std::string>());
  CHECK(static_cast<int>(relisted.size()) == all_folders);
}

TEST_CASE("index stats and clear: clear empties listings and links but keeps dead properties") {
  Fake115 emu;
  Gateway gw(emu, overrides(50, 50));
  const std::string patch =
      R"(<?xml version="1.0"?><D:propertyupdate xmlns:D="DAV:" xmlns:Z="urn:example:index"><D:set><D:prop>)"
      R"(<Z:colour>teal</Z:colour></D:prop></D:set></D:propertyupdate>)";
  REQUIRE(dav(gw, "PROPPATCH", "hello.txt", {}, patch).status == 207);
  REQUIRE(dav(gw, "PROPFIND", "sizes/", {{"Depth", "1"}}).status == 207);
  REQUIRE(dav(gw, "GET", "sizes/128k.bin", {{"User-Agent", "IndexPlayer/1.0"}}).status == 302);
  gw.stop();

  json s = stats_json(gw);
  CHECK(s["folders"].get<int>() >= 2);  // the root and sizes/
  CHECK(s["entries"].get<int>() > 0);
  CHECK(s["links"] == 1);

  auto cleared = index_cmd(gw, {"clear"});
  INFO(cleared.err);
  REQUIRE(cleared.exit_code == 0);
  s = stats_json(gw);
  CHECK(s["folders"] == 0);
  CHECK(s["entries"] == 0);
  CHECK(s["links"] == 0);
  CHECK(s["oldest_fetched_at"].is_null());

  gw.start();
  const std::string ask =
      R"(<?xml version="1.0"?><D:propfind xmlns:D="DAV:" xmlns:Z="urn:example:index"><D:prop><Z:colour/></D:prop>)"
      R"(</D:propfind>)";
  auto r = dav(gw, "PROPFIND", "hello.txt", {{"Depth", "0"}}, ask);
  REQUIRE(r.status == 207);
  auto props = parse_multistatus(r.body);
  REQUIRE(props.size() == 1);
  CHECK(props[0].props["{urn:example:index}colour"] == "teal");
}

TEST_CASE("index warm with a dead token stops with a clear error and a non-zero status") {
  Fake115 emu;
  Gateway gw(emu, overrides(50, 50));
  gw.stop();
  emu.control({{"expire_access_token", true}, {"revoke_refresh_token", true}});
  auto warm = index_cmd(gw, {"warm", "/"});
  INFO(warm.err);
  CHECK(warm.exit_code == 1);
  CHECK(warm.err.find("token is no longer valid") != std::string::npos);
  CHECK(warm.err.find("refresh_token") != std::string::npos);
}

TEST_CASE("index warm of a sub-folder lists only that subtree; a path that is not a folder is refused") {
  Fake115 emu;
  Gateway gw(emu, overrides(50, 50));
  gw.stop();
  const std::uint64_t since = emu.stats()["last_seq"];
  auto warm = index_cmd(gw, {"warm", "/level1/level2"});
  INFO(warm.err << warm.out);
  REQUIRE(warm.exit_code == 0);
  std::set<std::string> cids;
  for (const auto& c : list_calls(emu, since)) cids.insert(c["fields"]["cid"].get<std::string>());
  // The root and level1 to find the path, then level2 and everything below it.
  std::set<std::string> expected{"0", emu.entry("level1")["id"].get<std::string>()};
  const json tree = emu.tree();
  for (const auto& e : tree["entries"])
    if (e["is_dir"].get<bool>() && e["path"].get<std::string>().rfind("level1/level2", 0) == 0)
      expected.insert(e["id"].get<std::string>());
  CHECK(cids == expected);

  auto file = index_cmd(gw, {"warm", "/hello.txt"});
  CHECK(file.exit_code == 1);
  CHECK(file.err.find("not a folder") != std::string::npos);
  auto missing = index_cmd(gw, {"warm", "/no such folder"});
  CHECK(missing.exit_code == 1);
  CHECK(missing.err.find("does not exist") != std::string::npos);
  // The finished sub-folder run is still the one on record.
  CHECK(stats_json(gw)["warm_run"]["path"] == "/level1/level2");
}

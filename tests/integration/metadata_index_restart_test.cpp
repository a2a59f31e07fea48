// The metadata index: a gateway restarted on the same state_dir (after SIGTERM or kill -9) answers the
// listings and the redirect it gave before with no 115 call, and a garbage database never stops it.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <fstream>
#include <random>

#include "support/fake115.hpp"
#include "support/gateway.hpp"
#include "support/multistatus.hpp"

using namespace dav115::test;
using nlohmann::json;

namespace {

constexpr const char* kPlayer = "IndexPlayer/1.0";

std::size_t calls_to(Fake115& emu, const std::string& path, std::uint64_t since) {
  std::size_t n = 0;
  for (const auto& c : emu.calls(since))
    if (c["path"] == path) ++n;
  return n;
}

// The fixture's 5,000-entry folder: the folder with the most direct children.
std::string biggest_folder(Fake115& emu) {
  std::map<std::string, int> children;
  json tree = emu.tree()["entries"];
  for (const auto& e : tree) children[e["parent_id"].get<std::string>()]++;
  std::string best;
  for (const auto& [id, n] : children)
    if (best.empty() || n > children[best]) best = id;
  for (const auto& e : tree)
    if (e["id"] == best) return e["path"].get<std::string>();
  throw std::runtime_error("no folder");
}

// What a client sees of a listing: every href with its size, type and dates.
using Seen = std::map<std::string, std::string>;
Seen propfind(Gateway& gw, const std::string& path) {
  auto r = dav(gw, "PROPFIND", path, {{"Depth", "1"}}, "", {std::chrono::seconds(60)});
  REQUIRE(r.status == 207);
  return listing_summary(r.body);
}

std::string redirect_location(Gateway& gw) {
  auto r = dav(gw, "GET", "sizes/128k.bin", {{"User-Agent", kPlayer}});
  REQUIRE(r.status == 302);
  return r.header("Location");
}

double gateway_metric(Gateway& gw, const std::string& name) {
  auto page = "\n" + http("GET", gw.base_url() + "/metrics").body;
  auto at = page.find("\n" + name + " ");
  return at == std::string::npos ? -1 : std::stod(page.substr(at + name.size() + 2));
}

struct Snapshot {
  std::vector<std::string> paths;
  std::vector<Seen> listings;
  std::string location;
};

Snapshot look(Gateway& gw, const std::vector<std::string>& paths) {
  Snapshot s;
  s.paths = paths;
  for (const auto& p : paths) s.listings.push_back(propfind(gw, p));
  s.location = redirect_location(gw);
  return s;
}

}  // namespace

TEST_CASE("after a restart within the TTL the same PROPFINDs and GET cost no 115 call") {
  for (const bool crash : {false, true}) {
    DYNAMIC_SECTION((crash ? "kill -9" : "SIGTERM")) {
      Fake115 emu;
      Gateway gw(emu, {{"cache", {{"listing_ttl_s", 3600}}}});
      const std::vector<std::string> paths = {"/", url_encode(biggest_folder(emu)) + "/",
                                              "level1/level2/level3/level4/", "sizes/"};
      Snapshot before = look(gw, paths);
      REQUIRE(before.listings[1].size() > 5000);
      if (crash) {
        // Every write queued by the answers above has reached the file: the kill is after them, not
        // racing them (a kill mid-write is the unit test's business).
        REQUIRE(wait_until([&] { return gateway_metric(gw, "dav115_index_queued_writes") == 0; },
                           std::chrono::seconds(60)));
        gw.kill9();
      } else {
        gw.stop();
      }

      std::uint64_t since = emu.stats()["last_seq"];
      gw.start();
      Snapshot after = look(gw, paths);
      for (std::size_t i = 0; i < paths.size(); ++i) {
        INFO(paths[i]);
        CHECK(after.listings[i] == before.listings[i]);
      }
      CHECK(calls_to(emu, "/open/ufile/files", since) == 0);
      CHECK(calls_to(emu, "/open/ufile/downurl", since) == 0);
      CHECK(after.location == before.location);
      // The reused link still works for the User-Agent it was minted for.
      CHECK(http("GET", after.location, {{"User-Agent", kPlayer}}).status == 200);
    }
  }
}

TEST_CASE("a database overwritten with garbage: the gateway starts, warns and serves correct listings") {
  Fake115 emu;
  Gateway gw(emu, {{"cache", {{"listing_ttl_s", 3600}}}});
  const std::vector<std::string> paths = {"/", "level1/level2/level3/level4/", "sizes/"};
  std::vector<Seen> before;
  for (const auto& p : paths) before.push_back(propfind(gw, p));
  gw.stop();

  const std::string db = gw.state_dir() + "/dav115.db";
  std::string garbage(64 * 1024, '\0');
  std::mt19937 rng(115);
  for (char& c : garbage) c = static_cast<char>(rng());
  { std::ofstream(db, std::ios::binary | std::ios::trunc) << garbage; }
  std::remove((db + "-wal").c_str());
  std::remove((db + "-shm").c_str());

  std::uint64_t since = emu.stats()["last_seq"];
  gw.start();
  for (std::size_t i = 0; i < paths.size(); ++i) {
    INFO(paths[i]);
    CHECK(propfind(gw, paths[i]) == before[i]);
  }
  CHECK(calls_to(emu, "/open/ufile/files", since) > 0);  // the index started empty: listed again
  CHECK(gw.log().find("was unusable; moved it to") != std::string::npos);
}

// A folder listing is whole or refused: short pages are paged through by `count`, a folder that shifts
// between pages is listed again, and one that keeps shifting gets 503 + Retry-After, never a short
// listing (which would then be cached as the folder's content).
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "support/fake115.hpp"
#include "support/gateway.hpp"
#include "support/multistatus.hpp"

using namespace dav115::test;
using nlohmann::json;

namespace {

struct Folder {
  std::string target;  // percent-encoded path below the mount, ending in '/'
  std::size_t children = 0;
};

// Folders with at least `min_children` children (several pages at page_size 2), fewest first.
std::vector<Folder> paged_folders(Fake115& emu, std::size_t min_children) {
  std::map<std::string, std::size_t> children;
  json tree = emu.tree()["entries"];
  for (const auto& e : tree) children[e["parent_id"].get<std::string>()]++;
  std::vector<Folder> out;
  for (const auto& e : tree) {
    const auto n = children[e["id"].get<std::string>()];
    if (!e["is_dir"].get<bool>() || n < min_children || n > 200) continue;
    std::string path = e["path"], target;
    for (std::size_t start = 0; start <= path.size();) {
      auto slash = path.find('/', start);
      if (slash == std::string::npos) slash = path.size();
      target += url_encode(path.substr(start, slash - start)) + "/";
      start = slash + 1;
    }
    out.push_back({target, n});
  }
  return out;
}

std::size_t listing_calls(Fake115& emu) {
  std::size_t n = 0;
  for (const auto& c : emu.calls())
    if (c["path"] == "/open/ufile/files") ++n;
  return n;
}

}  // namespace

TEST_CASE("short and shifted listing pages never produce a short folder, cached or not") {
  Fake115 emu;
  Gateway gw(emu, {{"cloud115", {{"page_size", 2}}},
                   {"cache", {{"listing_ttl_s", 600}}},
                   {"limits", {{"client_deadline_s", 6}}}});
  auto folders = paged_folders(emu, 5);
  REQUIRE_FALSE(folders.empty());  // each SECTION runs on a fresh emulator and gateway

  SECTION("short pages are paged through by count") {
    const auto& f = folders[0];
    // The ancestors are listed (and cached) first, so the fault hits this folder's own listing.
    REQUIRE(dav(gw, "PROPFIND", f.target, {{"Depth", "0"}}).status == 207);
    const auto calls_before = listing_calls(emu);
    emu.control({{"list_short_pages", {{"max_entries", 1}, {"count", 1000}}}});
    auto r = dav(gw, "PROPFIND", f.target, {{"Depth", "1"}}, "", {std::chrono::seconds(30)});
    INFO(f.target << " -> " << r.status << "\n" << r.body.substr(0, 300));
    REQUIRE(r.status == 207);
    CHECK(parse_multistatus(r.body).size() == f.children + 1);
    CHECK(listing_calls(emu) > calls_before);
  }

  SECTION("a folder that shifts between two pages is listed again and served whole") {
    const auto& f = folders[0];
    // The ancestors are listed (and cached) first, so the fault hits this folder's own listing.
    REQUIRE(dav(gw, "PROPFIND", f.target, {{"Depth", "0"}}).status == 207);
    const auto calls_before = listing_calls(emu);
    emu.control({{"list_shift", {{"count", 1}}}});
    auto r = dav(gw, "PROPFIND", f.target, {{"Depth", "1"}}, "", {std::chrono::seconds(30)});
    INFO(f.target << " -> " << r.status << "\n" << r.body.substr(0, 300));
    REQUIRE(r.status == 207);
    CHECK(parse_multistatus(r.body).size() == f.children + 1);
    CHECK(listing_calls(emu) > calls_before);
  }

  SECTION("a folder that keeps shifting gets 503 + Retry-After, and nothing short is cached") {
    const auto& f = folders[0];
    // The ancestors are listed (and cached) first, so the fault hits this folder's own listing.
    REQUIRE(dav(gw, "PROPFIND", f.target, {{"Depth", "0"}}).status == 207);
    const auto calls_before = listing_calls(emu);
    emu.control({{"list_shift", {{"count", 100000}}}});
    auto r = dav(gw, "PROPFIND", f.target, {{"Depth", "1"}}, "", {std::chrono::seconds(30)});
    INFO(f.target << " -> " << r.status << "\n" << r.body.substr(0, 300));
    CHECK(r.status == 503);
    CHECK_FALSE(r.header("Retry-After").empty());
    CHECK(listing_calls(emu) > calls_before);
    emu.control({{"clear_faults", true}});
    // The next request lists the folder again (nothing was cached) and gets all of it.
    const auto before = listing_calls(emu);
    auto again = dav(gw, "PROPFIND", f.target, {{"Depth", "1"}}, "", {std::chrono::seconds(30)});
    REQUIRE(again.status == 207);
    CHECK(parse_multistatus(again.body).size() == f.children + 1);
    CHECK(listing_calls(emu) > before);
  }
}

// Frugality with the 115 API: one listing pass per folder however many clients ask at once.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <atomic>
#include <thread>

#include "support/fake115.hpp"
#include "support/gateway.hpp"
#include "support/multistatus.hpp"

using namespace dav115::test;
using nlohmann::json;

namespace {
// The fixture's 5,000-entry folder: the folder with the most direct children.
std::pair<std::string, json> biggest_folder(Fake115& emu) {
  std::map<std::string, int> children;
  json tree = emu.tree()["entries"];
  for (const auto& e : tree) children[e["parent_id"].get<std::string>()]++;
  std::string best;
  for (const auto& [id, n] : children)
    if (best.empty() || n > children[best]) best = id;
  for (const auto& e : tree)
    if (e["id"] == best) return {e["path"].get<std::string>(), e};
  throw std::runtime_error("no folder");
}

std::size_t listing_calls_for(Fake115& emu, const std::string& cid, std::uint64_t since) {
  std::size_t n = 0;
  for (const auto& c : emu.calls(since))
    if (c["path"] == "/open/ufile/files" && c["fields"].value("cid", "") == cid) ++n;
  return n;
}
}  // namespace

TEST_CASE("100 concurrent PROPFINDs of a cold 5,000-entry folder cost one listing pass") {
  Fake115 emu;
  Gateway gw(emu);
  auto [path, folder] = biggest_folder(emu);
  std::size_t children = 0;
  nlohmann::json entries = emu.tree()["entries"];
  for (const auto& e : entries)
    if (e["parent_id"] == folder["id"]) ++children;
  REQUIRE(children >= 5000);
  // Warm the parents (the folder itself stays cold).
  REQUIRE(dav(gw, "PROPFIND", "/", {{"Depth", "1"}}).status == 207);
  std::uint64_t since = emu.stats()["last_seq"];

  std::atomic<int> ok{0}, wrong{0};
  std::vector<std::thread> clients;
  for (int i = 0; i < 100; ++i)
    clients.emplace_back([&, p = path] {
      try {
        auto r = dav(gw, "PROPFIND", url_encode(p) + "/", {{"Depth", "1"}}, "", {std::chrono::seconds(60)});
        if (r.status == 207 && parse_multistatus(r.body).size() == children + 1) ++ok;
        else ++wrong;
      } catch (const std::exception&) {
        ++wrong;
      }
    });
  for (auto& t : clients) t.join();
  CHECK(ok == 100);
  CHECK(wrong == 0);
  std::size_t expected_pages = (children + 1149) / 1150;
  CHECK(listing_calls_for(emu, folder["id"], since) == expected_pages);

  // Warm: another PROPFIND costs nothing upstream.
  since = emu.stats()["last_seq"];
  REQUIRE(dav(gw, "PROPFIND", url_encode(path) + "/", {{"Depth", "1"}}).status == 207);
  CHECK(listing_calls_for(emu, folder["id"], since) == 0);
}

TEST_CASE("page_size is honoured when paging a big folder") {
  Fake115 emu;
  Gateway gw(emu, {{"cloud115", {{"page_size", 1000}}}});
  auto [path, folder] = biggest_folder(emu);
  std::size_t children = 0;
  nlohmann::json entries = emu.tree()["entries"];
  for (const auto& e : entries)
    if (e["parent_id"] == folder["id"]) ++children;
  REQUIRE(dav(gw, "PROPFIND", "/", {{"Depth", "1"}}).status == 207);
  std::uint64_t since = emu.stats()["last_seq"];
  auto r = dav(gw, "PROPFIND", url_encode(path) + "/", {{"Depth", "1"}}, "", {std::chrono::seconds(60)});
  REQUIRE(r.status == 207);
  CHECK(parse_multistatus(r.body).size() == children + 1);
  CHECK(listing_calls_for(emu, folder["id"], since) == (children + 999) / 1000);
  for (const auto& c : emu.calls(since))
    if (c["path"] == "/open/ufile/files") {
      CHECK(c["fields"]["limit"] == "1000");
      CHECK(c["fields"]["show_dir"] == "1");
    }
}

// Upstream trouble never turns into a fake 404 or an empty folder: cached data or 503 + Retry-After.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "support/fake115.hpp"
#include "support/gateway.hpp"
#include "support/multistatus.hpp"

using namespace dav115::test;
using nlohmann::json;

namespace {
std::vector<json> folders_with_children(Fake115& emu) {
  std::map<std::string, int> children;
  json tree = emu.tree()["entries"];
  for (const auto& e : tree) children[e["parent_id"].get<std::string>()]++;
  std::vector<json> out;
  for (const auto& e : tree)
    if (e["is_dir"].get<bool>() && children[e["id"].get<std::string>()] > 0 && children[e["id"].get<std::string>()] < 100)
      out.push_back(e);
  return out;
}

void check_never_fake_empty(Gateway& gw, Fake115& emu, const std::vector<json>& folders, int& served, int& refused) {
  for (const auto& f : folders) {
    std::string path = f["path"];
    std::string target;
    for (std::size_t start = 0; start <= path.size();) {
      auto slash = path.find('/', start);
      if (slash == std::string::npos) slash = path.size();
      target += url_encode(path.substr(start, slash - start)) + "/";
      start = slash + 1;
    }
    auto r = dav(gw, "PROPFIND", target, {{"Depth", "1"}}, "", {std::chrono::seconds(60)});
    INFO(path << " -> " << r.status << "\n" << r.body.substr(0, 300));
    REQUIRE(r.status != 404);
    if (r.status == 207) {
      CHECK(parse_multistatus(r.body).size() > 1);  // never an empty folder
      ++served;
    } else {
      CHECK(r.status == 503);
      CHECK_FALSE(r.header("Retry-After").empty());
      CHECK_FALSE(r.body.empty());
      ++refused;
    }
  }
}
}  // namespace

TEST_CASE("770004 and WAF pages on listings: no 404, no empty listing") {
  Fake115 emu;
  Gateway gw(emu, {{"cloud115", {{"cooldown_s", 1}}}, {"limits", {{"client_deadline_s", 8}}}});
  REQUIRE(dav(gw, "PROPFIND", "/", {{"Depth", "1"}}).status == 207);
  auto folders = folders_with_children(emu);
  REQUIRE(folders.size() >= 4);

  emu.control({{"fail",
                {{{"path", "/open/ufile/files"}, {"mode", "770004"}, {"count", 3}},
                 {{"path", "/open/ufile/files"}, {"mode", "waf"}, {"count", 3}}}}});
  int served = 0, refused = 0;
  check_never_fake_empty(gw, emu, folders, served, refused);
  CHECK(served > 0);  // the gateway recovered within the client's deadline
  // The faults really were served.
  auto results = emu.stats()["results"];
  CHECK(results.value("770004", 0) >= 1);
}

TEST_CASE("empty bodies, garbage and resets: 503 with Retry-After when the deadline runs out") {
  Fake115 emu;
  Gateway gw(emu, {{"cloud115", {{"cooldown_s", 30}}}, {"limits", {{"client_deadline_s", 3}}}});
  REQUIRE(dav(gw, "PROPFIND", "/", {{"Depth", "1"}}).status == 207);
  auto folders = folders_with_children(emu);
  emu.control({{"fail",
                {{{"path", "/open/ufile/files"}, {"mode", "empty"}, {"count", 1000}}}}});
  int served = 0, refused = 0;
  check_never_fake_empty(gw, emu, {folders.begin(), folders.begin() + 2}, served, refused);
  CHECK(refused == 2);
  emu.control({{"clear_faults", true}});
  emu.control({{"fail", {{{"path", "/open/ufile/files"}, {"mode", "reset"}, {"count", 1000}}}}});
  check_never_fake_empty(gw, emu, {folders.begin() + 2, folders.begin() + 4}, served, refused);
  CHECK(refused == 4);
  // The root, cached before the trouble, is still served.
  CHECK(dav(gw, "PROPFIND", "/", {{"Depth", "1"}}).status == 207);
}

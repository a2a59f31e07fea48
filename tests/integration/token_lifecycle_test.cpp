// The refresh token is the one thing users cannot get back without re-scanning a QR code: it must be
// refreshed once at a time, persisted before use, and never reused after rotation.
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
// A tree of 60 small folders, so 60 requests each need their own upstream listing.
std::string many_folders_fixture() {
  json root = json::array();
  for (int i = 0; i < 60; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "folder-%02d", i);
    json file = {{"name", "a.txt"}, {"size", 10 + i}, {"mtime", 1700000100}};
    json folder = {{"name", name}, {"mtime", 1700000000 + i}};
    folder["children"] = json::array({file});
    root.push_back(folder);
  }
  std::string path = temp_dir("fixture") + "/many.json";
  write_text_file(path, json{{"root", root}}.dump());
  return path;
}
}  // namespace

TEST_CASE("the access token expires while 50 requests are in flight: one refresh, 50 successes") {
  Fake115 emu({"--tree", many_folders_fixture()});
  Gateway gw(emu);
  REQUIRE(dav(gw, "PROPFIND", "/", {{"Depth", "1"}}).status == 207);
  const auto refreshes_before = emu.stats()["refresh_count"].get<int>();
  std::vector<std::string> secrets = {emu.refresh_token(), emu.access_token(),
                                      gw.config()["cloud115"]["refresh_token"].get<std::string>()};

  // Slow every API call down so that the expiry lands while the requests are waiting upstream.
  emu.control({{"latency_ms", 300}});
  std::atomic<int> ok{0};
  std::vector<std::thread> clients;
  for (int i = 0; i < 50; ++i)
    clients.emplace_back([&, i] {
      char name[32];
      std::snprintf(name, sizeof name, "folder-%02d/", i);
      auto r = dav(gw, "PROPFIND", name, {{"Depth", "1"}}, "", {std::chrono::seconds(60)});
      if (r.status == 207 && parse_multistatus(r.body).size() == 2) ++ok;
    });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  emu.control({{"expire_access_token", true}});
  for (auto& t : clients) t.join();
  emu.control({{"latency_ms", 0}});

  CHECK(ok == 50);
  auto stats = emu.stats();
  CHECK(stats["refresh_count"].get<int>() == refreshes_before + 1);
  CHECK(stats["dead_refresh_token_uses"] == 0);
  // Tokens never reach the log, old or new.
  secrets.push_back(emu.refresh_token());
  secrets.push_back(emu.access_token());
  const std::string log = gw.log();
  CHECK(log.find("refreshed") != std::string::npos);  // the log is the real one
  for (const auto& s : secrets) CHECK(log.find(s) == std::string::npos);
}

TEST_CASE("a restart continues with the persisted, rotated token; the old one is never used again") {
  Fake115 emu({"--tree", many_folders_fixture()});
  Gateway gw(emu);
  const std::string original = gw.config()["cloud115"]["refresh_token"];
  // Force a rotation.
  emu.control({{"expire_access_token", true}});
  REQUIRE(dav(gw, "PROPFIND", "folder-01/", {{"Depth", "1"}}).status == 207);
  CHECK(emu.refresh_token() != original);
  // The persisted state holds the current token, and only the owner can read it.
  CHECK(read_text_file(gw.state_dir() + "/tokens.json").find(emu.refresh_token()) != std::string::npos);

  gw.stop();
  gw.start();  // same config (still naming the original, now dead, refresh token) and state dir
  emu.control({{"expire_access_token", true}});
  CHECK(dav(gw, "PROPFIND", "folder-02/", {{"Depth", "1"}}).status == 207);
  CHECK(emu.stats()["dead_refresh_token_uses"] == 0);

  // kill -9 between rotations loses nothing either.
  for (int i = 0; i < 3; ++i) {
    emu.control({{"expire_access_token", true}});
    char name[32];
    std::snprintf(name, sizeof name, "folder-%02d/", 10 + i);
    REQUIRE(dav(gw, "PROPFIND", name, {{"Depth", "1"}}).status == 207);
    gw.kill9();
    gw.start();
  }
  emu.control({{"expire_access_token", true}});
  CHECK(dav(gw, "PROPFIND", "folder-20/", {{"Depth", "1"}}).status == 207);
  CHECK(emu.stats()["dead_refresh_token_uses"] == 0);
}

TEST_CASE("a fresh token pasted into the config wins over the persisted one") {
  Fake115 emu({"--tree", many_folders_fixture()});
  Gateway gw(emu);
  emu.control({{"expire_access_token", true}});
  REQUIRE(dav(gw, "PROPFIND", "folder-03/", {{"Depth", "1"}}).status == 207);
  gw.stop();
  // Simulate a re-authorization elsewhere: the emulator's current token is what the user pastes.
  // (The persisted token equals it, so use the emulator's rotation to produce a different valid one.)
  auto r = http("POST", emu.base_url() + "/open/refreshToken", {{"Content-Type", "application/x-www-form-urlencoded"}},
                "refresh_token=" + emu.refresh_token());
  REQUIRE(r.status == 200);
  std::string pasted = json::parse(r.body)["data"]["refresh_token"];
  gw.config()["cloud115"]["refresh_token"] = pasted;
  gw.write_config();
  gw.start();
  emu.control({{"expire_access_token", true}});
  CHECK(dav(gw, "PROPFIND", "folder-04/", {{"Depth", "1"}}).status == 207);
  CHECK(emu.stats()["dead_refresh_token_uses"] == 0);
}

TEST_CASE("a revoked refresh token: clear 503, health says re-authorize, no retry storm") {
  Fake115 emu({"--tree", many_folders_fixture()});
  Gateway gw(emu);
  REQUIRE(dav(gw, "PROPFIND", "/", {{"Depth", "1"}}).status == 207);
  emu.control({{"revoke_refresh_token", true}});
  std::uint64_t since = emu.stats()["last_seq"];
  for (int i = 0; i < 20; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "folder-%02d/", 30 + i);
    auto r = dav(gw, "PROPFIND", name, {{"Depth", "1"}});
    INFO(name << " -> " << r.status << " " << r.body);
    CHECK(r.status == 503);
    CHECK(r.body.find("re-authoriz") != std::string::npos);
    CHECK_FALSE(r.header("Retry-After").empty());
  }
  auto h = http("GET", gw.base_url() + "/healthz");
  CHECK(h.status == 503);
  CHECK(h.body.find("reauth") != std::string::npos);
  // Bounded: at most one failed listing (which revealed the revocation) and one or two refresh attempts.
  std::size_t upstream = emu.calls(since).size();
  CHECK(upstream <= 4);
  // Cached folders are still served.
  CHECK(dav(gw, "PROPFIND", "/", {{"Depth", "1"}}).status == 207);

  // A new authorization, pasted into the config + SIGHUP, brings the gateway back.
  auto fresh = http("POST", emu.base_url() + "/__control", {{"Content-Type", "application/json"}},
                    R"({"reauthorize": true})");
  REQUIRE(fresh.status == 200);
  gw.config()["cloud115"]["refresh_token"] = json::parse(fresh.body)["refresh_token"];
  gw.write_config();
  gw.process().kill(SIGHUP);
  CHECK(wait_until([&] { return dav(gw, "PROPFIND", "folder-55/", {{"Depth", "1"}}).status == 207; },
                   std::chrono::seconds(20), std::chrono::milliseconds(250)));
  CHECK(http("GET", gw.base_url() + "/healthz").status == 200);
  CHECK(emu.stats()["dead_refresh_token_uses"] == 0);
}

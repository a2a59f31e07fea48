// state_dir holds the rotating refresh token: one process at a time, and a pair that cannot be saved is
// reported and saved as soon as the disk lets it.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <filesystem>

#include "support/fake115.hpp"
#include "support/gateway.hpp"

using namespace dav115::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {
json healthz(Gateway& gw) { return json::parse(http("GET", gw.base_url() + "/healthz").body); }
}  // namespace

TEST_CASE("a second gateway on the same state_dir exits at once, naming the lock file") {
  Fake115 emu;
  Gateway gw(emu);
  REQUIRE(dav(gw, "PROPFIND", "/", {{"Depth", "1"}}).status == 207);

  // Same config, same state_dir: an overlapping restart or a second instance. Without the lock it would
  // serve (until killed at the timeout) and refresh the shared token behind the first one's back.
  auto second = run_command({dav115_binary(), "serve", "--config", gw.config_path()}, std::chrono::seconds(60));
  INFO(second.out << second.err);
  CHECK(second.exit_code == 1);
  CHECK((second.out + second.err).find(gw.state_dir() + "/lock") != std::string::npos);

  // The first one is untouched, and the lock goes with its process.
  CHECK(dav(gw, "PROPFIND", "/", {{"Depth", "1"}}).status == 207);
  CHECK(emu.stats()["dead_refresh_token_uses"].get<int>() == 0);
  gw.kill9();
  gw.start();
  CHECK(dav(gw, "PROPFIND", "/", {{"Depth", "1"}}).status == 207);
}

TEST_CASE("a token pair that cannot be saved makes /healthz degraded until a retry saves it") {
  Fake115 emu({"--access-ttl", "2"});  // a refresh about every second
  Gateway gw(emu, {{"cloud115", {{"refresh_margin_s", 1}}}});
  REQUIRE(dav(gw, "PROPFIND", "/", {{"Depth", "1"}}).status == 207);

  // A directory where tokens.json belongs: the rename that installs a new file fails (even for root,
  // which chmod would not stop).
  const fs::path tokens = fs::path(gw.state_dir()) / "tokens.json";
  fs::remove(tokens);
  fs::create_directories(tokens / "blocker");
  json degraded;
  REQUIRE(wait_until(
      [&] {
        degraded = healthz(gw);
        return degraded["status"] == "degraded";
      },
      std::chrono::seconds(30)));
  CHECK(degraded["token"]["persist_error"].get<std::string>().find("tokens.json") != std::string::npos);
  CHECK(dav(gw, "PROPFIND", "/", {{"Depth", "1"}}).status == 207);  // the pair in memory still works

  fs::remove_all(tokens);
  REQUIRE(wait_until([&] { return healthz(gw)["status"] == "ok"; }, std::chrono::seconds(60)));
  CHECK(healthz(gw)["token"]["persist_error"] == "");
  CHECK(wait_until([&] { return read_text_file(tokens.string()).find(emu.refresh_token()) != std::string::npos; },
                   std::chrono::seconds(30)));
  CHECK(emu.stats()["dead_refresh_token_uses"].get<int>() == 0);
}

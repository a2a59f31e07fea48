// Crash safety of the refresh token: the gateway is killed with SIGKILL at random moments while the
// emulator's 2-second access tokens force a refresh about every second. After every restart the gateway
// must carry on with the token the emulator considers current; a rotated-away refresh token is never
// presented (that one mistake costs the user a new QR authorization).
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <iostream>
#include <random>
#include <thread>

#include "support/fake115.hpp"
#include "support/gateway.hpp"

using namespace dav115::test;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {
double unix_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// What the emulator's call log records of a refresh token: its last 6 characters.
std::string token_tail(const std::string& token) { return token.substr(token.size() > 6 ? token.size() - 6 : 0); }
bool presented(const json& call, const std::string& token) {
  const auto f = call["fields"].value("refresh_token", std::string());
  return f.find("ends " + token_tail(token) + ">") != std::string::npos;
}

// Every request the killed gateway sent has been read and answered once the emulator has no client
// connection left but the one asking (the kernel closed the dead process's sockets; connections still
// in the accept queue are accepted before ours).
bool emulator_quiet(Fake115& emu) { return emu.stats()["open_connections"].get<std::int64_t>() <= 1; }

// The refresh calls the emulator answered with a new pair, in the order it answered them.
std::vector<json> rotations(Fake115& emu) {
  std::vector<json> out;
  for (const auto& c : emu.calls())
    if (c["path"] == "/open/refreshToken" && c["result"] == "0") out.push_back(c);
  return out;
}
}  // namespace

// One loss is physically unavoidable: 115 rotates the token when it reads the refresh request, and a
// SIGKILL that lands after the request left the gateway but before the gateway has written the answer to
// disk (send, 115 answers, receive, parse, write, fsync) loses it. Real access tokens live 2 hours, so
// that window is open a few milliseconds every 2 hours; here tokens live 2 seconds, which makes a hit
// plausible. The oracle is exact, not a time window: once the emulator has answered everything the killed
// process sent, the pair on disk (P) is either still the emulator's current one, or P was rotated exactly
// once and that rotation's answer never reached the disk, i.e. the emulator's last rotation presented P.
// Anything else (P rotated and the new token used again, or a stale P) is a lost token and a bug. The
// test recovers from an unavoidable loss as a user would (re-authorize, paste the token, restart).
TEST_CASE("kill -9 at random moments during 50 refresh cycles never loses or reuses the refresh token") {
  Fake115 emu({"--access-ttl", "2"});
  Gateway gw(emu, {{"cloud115", {{"refresh_margin_s", 1}}}, {"cache", {{"listing_ttl_s", 1}}}});
  const auto seed = std::random_device{}();
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> pause_ms(200, 2200);

  const auto started = Clock::now();
  int kills = 0, refreshes = 0, window_hits = 0;
  std::uint64_t dead_uses_accepted = 0;
  while (refreshes < 50 && Clock::now() - started < std::chrono::seconds(300)) {
    // Run for a random while (across zero, one or two scheduled refreshes), then crash.
    std::this_thread::sleep_for(std::chrono::milliseconds(pause_ms(rng)));
    const double killed_at = unix_now();
    gw.kill9();
    ++kills;
    REQUIRE(wait_until([&] { return emulator_quiet(emu); }, std::chrono::seconds(30)));
    const auto on_disk = json::parse(read_text_file(gw.state_dir() + "/tokens.json"));
    const std::string persisted = on_disk["refresh_token"];
    const auto rots = rotations(emu);
    const bool rotated_away = persisted != emu.refresh_token();
    std::string why;
    if (rotated_away) {
      REQUIRE_FALSE(rots.empty());
      const auto& last = rots.back();
      why = "the last rotation (request arrived " + std::to_string(killed_at - last["arrived"].get<double>()) +
            " s before the kill, answered " + std::to_string(last["time"].get<double>() - killed_at) +
            " s after it) presented " + (presented(last, persisted) ? "the persisted token" : "another token");
      INFO("after kill " << kills << ": the token on disk was rotated away; " << why << "\n" << gw.log());
      // A rotation whose answer never reached the disk, and nothing after it: the unavoidable window.
      REQUIRE(presented(last, persisted));
      int of_persisted = 0;
      for (const auto& r : rots) of_persisted += presented(r, persisted) ? 1 : 0;
      REQUIRE(of_persisted == 1);
      std::cout << "kill " << kills << ": unavoidable loss, " << why << std::endl;
    }

    gw.start();  // same config (naming the long-dead original token) and state dir
    HttpResult r;
    try {
      r = dav(gw, "PROPFIND", "/", {{"Depth", "1"}}, "", {std::chrono::seconds(20)});
    } catch (const HttpError& e) {
      r.body = e.what();
    }
    const auto dead_uses = emu.stats()["dead_refresh_token_uses"].get<std::uint64_t>();
    if (!rotated_away) {
      // Nothing was lost: the restarted gateway must carry on, and never present a dead token.
      INFO("after kill " << kills << ": " << r.status << " " << r.body.substr(0, 200) << "\n" << gw.log());
      REQUIRE(r.status == 207);
      REQUIRE(dead_uses == dead_uses_accepted);
    } else {
      ++window_hits;
      dead_uses_accepted = dead_uses;
      // Recover as a user would: a new authorization pasted into the config, then a restart.
      gw.stop();
      auto fresh = http("POST", emu.base_url() + "/__control", {{"Content-Type", "application/json"}},
                        R"({"reauthorize": true})");
      REQUIRE(fresh.status == 200);
      gw.config()["cloud115"]["refresh_token"] = json::parse(fresh.body)["refresh_token"];
      gw.write_config();
      gw.start();
      REQUIRE(dav(gw, "PROPFIND", "/", {{"Depth", "1"}}, "", {std::chrono::seconds(20)}).status == 207);
      REQUIRE(emu.stats()["dead_refresh_token_uses"].get<std::uint64_t>() == dead_uses_accepted);
    }
    refreshes = emu.stats()["refresh_count"].get<int>();
  }
  std::cout << kills << " kills, " << refreshes << " refreshes, " << window_hits
            << " kill(s) inside the rotation window, in "
            << std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - started).count() << " s" << std::endl;
  CHECK(refreshes >= 50);
  CHECK(kills >= 10);
  // The persisted state names the emulator's current refresh token (or the next refresh is in flight).
  CHECK(wait_until(
      [&] { return read_text_file(gw.state_dir() + "/tokens.json").find(emu.refresh_token()) != std::string::npos; },
      std::chrono::seconds(5)));
  CHECK(http("GET", gw.base_url() + "/healthz").status == 200);
  CHECK(emu.stats()["dead_refresh_token_uses"].get<std::uint64_t>() == dead_uses_accepted);
}

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

// When the emulator last answered a successful refresh at or before `t` (unix seconds), or 0.
double last_rotation_before(Fake115& emu, double t) {
  double last = 0;
  for (const auto& c : emu.calls())
    if (c["path"] == "/open/refreshToken" && c["result"] == "0" && c["time"].get<double>() <= t)
      last = std::max(last, c["time"].get<double>());
  return last;
}
}  // namespace

// One loss is physically unavoidable: 115 rotates the token when it answers the refresh, and a SIGKILL
// that lands after that answer but before the gateway has written the new pair to disk (a few
// milliseconds: receive, parse, write, fsync) loses it. Real access tokens live 2 hours, so that window is
// open a few milliseconds every 2 hours; here tokens live 2 seconds, which makes a hit plausible. The test
// therefore accepts a lost token only when the kill provably landed inside that window (right after a
// rotation), recovers as a user would (re-authorize, paste the token, restart), and fails on any other loss.
TEST_CASE("kill -9 at random moments during 50 refresh cycles never loses or reuses the refresh token") {
  Fake115 emu({"--access-ttl", "2"});
  Gateway gw(emu, {{"cloud115", {{"refresh_margin_s", 1}}}, {"cache", {{"listing_ttl_s", 1}}}});
  const auto seed = std::random_device{}();
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> pause_ms(200, 2200);
  constexpr double kWindow = 0.25;  // generous bound on receive + parse + fsync + rename, even under ASan

  const auto started = Clock::now();
  int kills = 0, refreshes = 0, window_hits = 0;
  std::uint64_t dead_uses_accepted = 0;
  while (refreshes < 50 && Clock::now() - started < std::chrono::seconds(80)) {
    // Run for a random while (across zero, one or two scheduled refreshes), then crash.
    std::this_thread::sleep_for(std::chrono::milliseconds(pause_ms(rng)));
    const double killed_at = unix_now();
    gw.kill9();
    ++kills;
    gw.start();  // same config (naming the long-dead original token) and state dir
    // It serves with a valid token right away: a listing needs the API.
    HttpResult r;
    try {
      r = dav(gw, "PROPFIND", "/", {{"Depth", "1"}}, "", {std::chrono::seconds(20)});
    } catch (const HttpError& e) {
      r.body = e.what();
    }
    auto stats = emu.stats();
    const auto dead_uses = stats["dead_refresh_token_uses"].get<std::uint64_t>();
    if (r.status != 207 || dead_uses > dead_uses_accepted) {
      const double since_rotation = killed_at - last_rotation_before(emu, killed_at);
      INFO("after kill " << kills << ": " << r.status << " " << r.body.substr(0, 200) << ", kill came "
                         << since_rotation << " s after the last rotation\n" << gw.log());
      REQUIRE(since_rotation < kWindow);  // any loss outside the unavoidable window is a bug
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
  // A window hit is rare; many would mean the window is wider than receive + fsync.
  CHECK(window_hits * 5 <= kills);
  // The persisted state names the emulator's current refresh token (or the next refresh is in flight).
  CHECK(wait_until(
      [&] { return read_text_file(gw.state_dir() + "/tokens.json").find(emu.refresh_token()) != std::string::npos; },
      std::chrono::seconds(5)));
  CHECK(http("GET", gw.base_url() + "/healthz").status == 200);
  CHECK(emu.stats()["dead_refresh_token_uses"].get<std::uint64_t>() == dead_uses_accepted);
}

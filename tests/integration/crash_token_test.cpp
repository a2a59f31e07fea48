// Crash safety of the refresh token: the gateway is killed with SIGKILL at random moments while the
// emulator's 2-second access tokens force a refresh about every second. After every restart the gateway
// must carry on with the token the emulator considers current; a rotated-away refresh token is never
// presented (that one mistake costs the user a new QR authorization).
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <random>
#include <thread>

#include "support/fake115.hpp"
#include "support/gateway.hpp"

using namespace dav115::test;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

TEST_CASE("kill -9 at random moments during 50 refresh cycles never loses or reuses the refresh token") {
  Fake115 emu({"--access-ttl", "2"});
  Gateway gw(emu, {{"cloud115", {{"refresh_margin_s", 1}}}, {"cache", {{"listing_ttl_s", 1}}}});
  const auto seed = std::random_device{}();
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> pause_ms(200, 2200);

  const auto started = Clock::now();
  int kills = 0, refreshes = 0;
  while (refreshes < 50 && Clock::now() - started < std::chrono::seconds(80)) {
    // Run for a random while (across zero, one or two scheduled refreshes), then crash.
    std::this_thread::sleep_for(std::chrono::milliseconds(pause_ms(rng)));
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
    INFO("after kill " << kills << ": " << r.status << " " << r.body.substr(0, 200) << "\n" << gw.log());
    REQUIRE(r.status == 207);
    auto stats = emu.stats();
    REQUIRE(stats["dead_refresh_token_uses"] == 0);
    refreshes = stats["refresh_count"].get<int>();
  }
  INFO(kills << " kills, " << refreshes << " refreshes in "
             << std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - started).count() << " s");
  CHECK(refreshes >= 50);
  CHECK(kills >= 10);
  // The persisted state names the emulator's current refresh token (or the next refresh is in flight).
  CHECK(wait_until(
      [&] { return read_text_file(gw.state_dir() + "/tokens.json").find(emu.refresh_token()) != std::string::npos; },
      std::chrono::seconds(5)));
  CHECK(http("GET", gw.base_url() + "/healthz").status == 200);
  CHECK(emu.stats()["dead_refresh_token_uses"] == 0);
}

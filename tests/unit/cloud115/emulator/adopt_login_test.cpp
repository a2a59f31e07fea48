// A QR login's pair taken by a running client: from the admin page (adopt_login) and from `dav115
// login` beside the gateway (adopt_handed_over_login): saved before use, reauth_required ended, the
// origin recorded, and calls working again with no restart.
#include "emulator_client.hpp"

#include "dav115/store/token_state.hpp"
#include "support/http.hpp"

using namespace cloud115_test;
using namespace dav115::cloud115;
using dav115::test::Fake115;
using nlohmann::json;

namespace {

// 115 issues a new login (what a confirmed QR login yields): the pair, as the exchange returns it.
mapping::TokenGrant new_login(Fake115& emu) {
  mapping::TokenGrant g;
  auto fresh = dav115::test::http("POST", emu.base_url() + "/__control", {{"Content-Type", "application/json"}},
                                  R"({"reauthorize": true})");
  REQUIRE(fresh.status == 200);
  g.refresh_token = json::parse(fresh.body)["refresh_token"];
  g.access_token = emu.access_token();
  g.expires_in = 7200;
  return g;
}

std::string stored_refresh(EmulatorClient& c, const std::string& file = "tokens.json") {
  auto rec = dav115::store::load_token_record(c.dir.path / "state" / file);
  return rec ? rec->refresh_token : "";
}

}  // namespace

TEST_CASE("adopt_login ends reauth_required with the new pair, saved first, and calls work again") {
  Fake115 emu;
  EmulatorClient c(emu);
  c.run([&]() -> asio::awaitable<void> { co_await c.client->list_folder("0", within(10s)); });
  emu.control({{"revoke_refresh_token", true}});
  auto e = c.error_of([&]() { return c.client->list_folder("0", within(10s)); });
  CHECK(e.kind == ErrorKind::ReauthRequired);
  REQUIRE(c.client->status().token == TokenState::ReauthRequired);

  auto grant = new_login(emu);
  c.run([&]() -> asio::awaitable<void> { co_await c.client->adopt_login(grant); });
  auto st = c.client->status();
  CHECK(st.token == TokenState::Valid);
  CHECK(st.origin == TokenOrigin::Login);
  CHECK(st.persist_error.empty());
  CHECK(st.last_refresh_at > 0);
  CHECK(stored_refresh(c) == grant.refresh_token);
  c.run([&]() -> asio::awaitable<void> { co_await c.client->list_folder("0", within(10s)); });
  CHECK(emu.stats()["dead_refresh_token_uses"] == 0);
}

TEST_CASE("adopt_handed_over_login takes the pair `dav115 login` left in state_dir, once") {
  Fake115 emu;
  EmulatorClient c(emu);
  bool taken = true;
  c.run([&]() -> asio::awaitable<void> { taken = co_await c.client->adopt_handed_over_login(); });
  CHECK_FALSE(taken);  // nothing handed over

  auto grant = new_login(emu);  // the old pair is dead from here on
  dav115::store::TokenRecord rec;
  rec.access_token = grant.access_token;
  rec.refresh_token = grant.refresh_token;
  rec.access_expires_at = std::chrono::duration_cast<std::chrono::seconds>(
                              std::chrono::system_clock::now().time_since_epoch()).count() + 7200;
  const auto file = dav115::store::login_handoff_file(c.dir.path / "state");
  dav115::store::save_token_record(file, rec);

  c.run([&]() -> asio::awaitable<void> { taken = co_await c.client->adopt_handed_over_login(); });
  CHECK(taken);
  CHECK_FALSE(std::filesystem::exists(file));
  CHECK(stored_refresh(c) == grant.refresh_token);
  CHECK(c.client->status().origin == TokenOrigin::Login);
  c.run([&]() -> asio::awaitable<void> { co_await c.client->list_folder("0", within(10s)); });
  CHECK(emu.stats()["dead_refresh_token_uses"] == 0);
  c.run([&]() -> asio::awaitable<void> { taken = co_await c.client->adopt_handed_over_login(); });
  CHECK_FALSE(taken);
}

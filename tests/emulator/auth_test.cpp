// Tokens: bearer checks, expiry, rotation, grace, refresh throttling, revocation (115-open-api.md §2).
#include "helpers.hpp"

using namespace emu_test;

namespace {
json user_info(Fake115& f, const std::string& token) { return get_json(f, "/open/user/info", {}, token); }
}  // namespace

TEST_CASE("auth: every proapi call needs the current bearer token") {
  Fake115 f;
  CHECK(user_info(f, f.access_token())["state"] == true);

  auto no_header = json::parse(api_get(f, "/open/user/info", {}, "").body);
  CHECK(no_header["state"] == false);
  CHECK(no_header["code"] == 40140123);
  auto garbled = json::parse(http("GET", f.base_url() + "/open/user/info", {{"Authorization", "Bearer a b\"c"}}).body);
  CHECK(garbled["code"] == 40140123);
  auto not_bearer = json::parse(http("GET", f.base_url() + "/open/user/info", {{"Authorization", f.access_token()}}).body);
  CHECK(not_bearer["code"] == 40140123);
  CHECK(user_info(f, std::string(64, 'Q'))["code"] == 40140124);  // well formed, never issued
}

TEST_CASE("auth: initial tokens from flags and state files") {
  const std::string rt = "RTinitial0123456789abcdefghijklmnopqrstuvwxyz", at = "ATinitial0123456789abcdefghijklmnopqrstuvwxyz";
  Fake115 f({"--refresh-token", rt, "--access-token", at});
  CHECK(read_text_file(f.state_dir() + "/refresh_token") == rt);
  CHECK(read_text_file(f.state_dir() + "/access_token") == at);
  CHECK(user_info(f, at)["state"] == true);
  json r = refresh(f, rt);
  REQUIRE(r["state"] == 1);
  // the state file follows the rotation
  CHECK(read_text_file(f.state_dir() + "/refresh_token") == r["data"]["refresh_token"].get<std::string>());
}

TEST_CASE("auth: access tokens expire after --access-ttl") {
  Fake115 f({"--access-ttl", "1"});
  const std::string token = f.access_token();
  CHECK(user_info(f, token)["state"] == true);
  bool expired = wait_until([&] { return user_info(f, token)["code"] == 40140125; }, std::chrono::seconds(5),
                            std::chrono::milliseconds(100));
  CHECK(expired);
  json r = refresh(f, f.refresh_token());
  REQUIRE(r["state"] == 1);
  CHECK(r["data"]["expires_in"] == 1);
}

TEST_CASE("auth: refresh rotates both tokens; the old ones are dead") {
  Fake115 f;
  const std::string old_rt = f.refresh_token(), old_at = f.access_token();
  json r = refresh(f, old_rt);
  REQUIRE(r["state"] == 1);
  CHECK(r["code"] == 0);
  CHECK(r["errno"] == 0);
  CHECK(r["data"]["expires_in"] == 7200);
  const std::string new_rt = r["data"]["refresh_token"], new_at = r["data"]["access_token"];
  CHECK(new_rt != old_rt);
  CHECK(new_at != old_at);
  CHECK(new_rt.size() >= 40);

  CHECK(user_info(f, new_at)["state"] == true);
  CHECK(user_info(f, old_at)["code"] == 40140125);  // no grace by default

  json again = refresh(f, old_rt);
  CHECK(again["state"] == 0);
  CHECK(again["code"] == 40140120);
  CHECK(again["errno"] == 40140120);
  CHECK(again["data"] == json::object());
  CHECK(f.stats()["dead_refresh_token_uses"] == 1);
  // dead for good, even after later rotations
  REQUIRE(refresh(f, new_rt)["state"] == 1);
  CHECK(refresh(f, old_rt)["code"] == 40140120);
  CHECK(refresh(f, new_rt)["code"] == 40140120);
  json stats = f.stats();
  CHECK(stats["refresh_count"] == 2);
  CHECK(stats["dead_refresh_token_uses"] == 3);
}

TEST_CASE("auth: passport error codes for bad refresh tokens") {
  Fake115 f;
  CHECK(post_json(f, "/open/refreshToken", {}, "")["code"] == 40100000);
  CHECK(refresh(f, "not a token!")["code"] == 40140114);
  CHECK(refresh(f, std::string(64, 'Z'))["code"] == 40140115);
}

TEST_CASE("auth: --old-access-grace keeps the previous access token alive") {
  Fake115 f({"--old-access-grace", "60"});
  const std::string old_at = f.access_token();
  REQUIRE(refresh(f, f.refresh_token())["state"] == 1);
  CHECK(user_info(f, old_at)["state"] == true);
}

TEST_CASE("auth: refreshing sooner than --min-refresh-interval gives 40140117") {
  Fake115 f({"--min-refresh-interval", "600"});
  json first = refresh(f, f.refresh_token());
  REQUIRE(first["state"] == 1);
  json second = refresh(f, first["data"]["refresh_token"]);
  CHECK(second["state"] == 0);
  CHECK(second["code"] == 40140117);
  // the refused refresh did not rotate anything
  CHECK(f.refresh_token() == first["data"]["refresh_token"]);
}

TEST_CASE("auth: control can expire the access token and revoke the refresh token") {
  Fake115 f;
  SECTION("expire now") {
    const std::string at = f.access_token();
    f.control({{"expire_access_token", true}});
    CHECK(user_info(f, at)["code"] == 40140125);
    json r = refresh(f, f.refresh_token());
    REQUIRE(r["state"] == 1);
    CHECK(user_info(f, r["data"]["access_token"])["state"] == true);
  }
  SECTION("revoke") {
    const std::string at = f.access_token();
    f.control({{"revoke_refresh_token", true}});
    CHECK(refresh(f, f.refresh_token())["code"] == 40140116);
    CHECK(user_info(f, at)["code"] == 40140125);
  }
}

TEST_CASE("auth: control can re-authorize after a revocation") {
  Fake115 f;
  const std::string old_refresh = f.refresh_token();
  f.control({{"revoke_refresh_token", true}});
  auto r = http("POST", f.base_url() + "/__control", {{"Content-Type", "application/json"}}, R"({"reauthorize": true})");
  REQUIRE(r.status == 200);
  std::string fresh = json::parse(r.body)["refresh_token"];
  CHECK(fresh != old_refresh);
  CHECK(f.refresh_token() == fresh);
  // The old token stays dead; the new one refreshes.
  CHECK(refresh(f, old_refresh)["code"] == 40140120);
  json ok = refresh(f, fresh);
  REQUIRE(ok["state"] == 1);
  CHECK(user_info(f, ok["data"]["access_token"])["state"] == true);
}

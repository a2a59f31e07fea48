// The QR login's pure parts: PKCE, the answers of authDeviceCode and the status poll, and the token
// record a login stores.
#include <catch2/catch.hpp>

#include <set>

#include "dav115/cloud115/device_login.hpp"

using namespace dav115::cloud115;
using nlohmann::json;

TEST_CASE("device login: the PKCE challenge is base64(SHA-256(verifier)) in the standard alphabet") {
  // RFC 7636 appendix B's verifier; its URL-safe challenge is E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM.
  CHECK(code_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw+cM=");
}

TEST_CASE("device login: verifiers are 64 unreserved characters, different every time") {
  std::set<std::string> seen;
  for (int i = 0; i < 20; ++i) {
    const std::string v = make_code_verifier();
    CHECK(v.size() == 64);  // 115 wants 43..128
    CHECK(v.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~") == std::string::npos);
    seen.insert(v);
  }
  CHECK(seen.size() == 20);
}

TEST_CASE("device login: authDeviceCode's data, numbers as strings included") {
  json body = {{"state", 1}, {"code", 0}, {"data", {{"uid", "u1"}, {"time", "1700000000"}, {"qrcode", "https://115.com/scan/dg-u1"}, {"sign", "s"}}}};
  DeviceCode c = parse_device_code(body);
  CHECK(c.uid == "u1");
  CHECK(c.time == 1700000000);
  CHECK(c.qrcode == "https://115.com/scan/dg-u1");
  CHECK(c.sign == "s");
  body["data"].erase("sign");
  CHECK_THROWS_AS(parse_device_code(body), LoginError);
  CHECK_THROWS_AS(parse_device_code(json{{"state", 1}, {"data", json::array()}}), LoginError);
}

TEST_CASE("device login: status answers map to waiting, scanned, confirmed, expired, cancelled") {
  auto status_of = [](const json& j) { return parse_login_status(200, j.dump()).status; };
  auto with = [](int state, int status) {
    return json{{"state", state}, {"code", 0}, {"message", ""}, {"data", {{"msg", ""}, {"status", status}, {"version", "v1"}}}};
  };
  CHECK(status_of(with(1, 0)) == LoginStatus::Waiting);
  CHECK(status_of(with(1, 1)) == LoginStatus::Scanned);
  CHECK(status_of(with(1, 2)) == LoginStatus::Confirmed);
  CHECK(status_of(with(0, -1)) == LoginStatus::Expired);
  CHECK(status_of(with(1, -2)) == LoginStatus::Cancelled);
  CHECK(status_of(with(1, -9)) == LoginStatus::Expired);  // any other negative status: a dead code
  // A long poll that ended with nothing new.
  CHECK(status_of(json{{"state", 1}, {"code", 0}, {"data", json::object()}}) == LoginStatus::Waiting);
  // "state 0 = QR invalid, stop polling", without a status.
  auto dead = parse_login_status(200, json{{"state", 0}, {"code", 0}, {"message", "二维码已过期"}}.dump());
  CHECK(dead.status == LoginStatus::Expired);
  CHECK(dead.message == "二维码已过期");
  // 115's message travels with the status.
  CHECK(parse_login_status(200, json{{"state", 1}, {"data", {{"status", 1}, {"msg", "扫码成功"}}}}.dump()).message == "扫码成功");
}

TEST_CASE("device login: status refusals carry 115's code; pages that are not JSON are transient") {
  try {
    parse_login_status(200, json{{"state", 0}, {"code", 40140105}, {"message", "二维码无效"}, {"data", json::object()}}.dump());
    FAIL("no error");
  } catch (const LoginError& e) {
    CHECK(e.code == 40140105);
    CHECK_FALSE(e.transient);
    CHECK(std::string(e.what()).find("二维码无效") != std::string::npos);
  }
  try {
    parse_login_status(502, "<html>bad gateway</html>");
    FAIL("no error");
  } catch (const LoginError& e) {
    CHECK(e.transient);
  }
  try {
    parse_login_status(200, json{{"state", 1}, {"data", {{"status", 7}}}}.dump());
    FAIL("no error");
  } catch (const LoginError& e) {
    CHECK(e.transient);
  }
}

TEST_CASE("device login: the stored record descends from the config token and goes past the stored generation") {
  mapping::TokenGrant g{"AT", "RT", 7200};
  auto first = login_token_record(g, std::nullopt, "", 1000);
  CHECK(first.access_token == "AT");
  CHECK(first.refresh_token == "RT");
  CHECK(first.access_expires_at == 8200);
  CHECK(first.updated_at == 1000);
  CHECK(first.origin_sha256.empty());
  CHECK(first.generation == 0);

  dav115::store::TokenRecord stored;
  stored.generation = 41;
  auto next = login_token_record(g, stored, "pasted-rt", 2000);
  CHECK(next.generation == 42);
  CHECK(next.origin_sha256 == dav115::store::sha256_hex("pasted-rt"));
  // What serve then does: the login's pair wins while the config keeps the same token ...
  CHECK(dav115::store::choose_token_record(next, "pasted-rt", "").refresh_token == "RT");
  CHECK(dav115::store::choose_token_record(first, "", "").refresh_token == "RT");
  // ... and a different one pasted later wins over it.
  CHECK(dav115::store::choose_token_record(next, "newer-rt", "").refresh_token == "newer-rt");
}

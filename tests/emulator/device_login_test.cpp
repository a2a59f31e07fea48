// The QR login (115-open-api.md §2.1): authDeviceCode, the scripted status poll, PKCE at
// deviceCodeToToken, and the issued pair becoming the emulator's current one.
#include <algorithm>

#include "helpers.hpp"

using namespace emu_test;

namespace {

const std::string kVerifier = "verifier-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJ";  // 56 chars

// base64(SHA-256(verifier)), standard alphabet with padding; `url_safe` swaps the alphabet and drops '='.
std::string challenge_of(const std::string& verifier, bool url_safe) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  EVP_Digest(verifier.data(), verifier.size(), md, &len, EVP_sha256(), nullptr);
  std::string out(4 * ((len + 2) / 3), '\0');
  out.resize(static_cast<std::size_t>(EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), md, len)));
  if (url_safe) {
    std::replace(out.begin(), out.end(), '+', '-');
    std::replace(out.begin(), out.end(), '/', '_');
    while (!out.empty() && out.back() == '=') out.pop_back();
  }
  return out;
}

json start(Fake115& f, const std::string& client_id, const std::string& challenge) {
  return post_json(f, "/open/authDeviceCode",
                   {{"client_id", client_id}, {"code_challenge", challenge}, {"code_challenge_method", "sha256"}}, "");
}

json poll(Fake115& f, const json& code) {
  return get_json(f, "/get/status/",
                  {{"uid", code["uid"].get<std::string>()},
                   {"time", std::to_string(code["time"].get<long long>())},
                   {"sign", code["sign"].get<std::string>()}},
                  "");
}

json exchange(Fake115& f, const json& code, const std::string& verifier) {
  return post_json(f, "/open/deviceCodeToToken", {{"uid", code["uid"].get<std::string>()}, {"code_verifier", verifier}}, "");
}

}  // namespace

TEST_CASE("device login: waiting -> scanned -> confirmed, then the verifier buys the current pair") {
  Fake115 f;
  const std::string old_rt = f.refresh_token();
  f.control({{"device_login", {{"script", json::array({"waiting", "waiting", "scanned", "confirmed"})}}}});
  json started = start(f, "100000001", challenge_of(kVerifier, false));
  REQUIRE(started["state"] == 1);
  json code = started["data"];
  CHECK(!code["uid"].get<std::string>().empty());
  CHECK(!code["qrcode"].get<std::string>().empty());
  CHECK(!code["sign"].get<std::string>().empty());
  CHECK(code["time"].is_number_integer());

  // Too early: the user has not confirmed yet.
  CHECK(exchange(f, code, kVerifier)["code"] == 40140106);

  std::vector<int> seen;
  for (int i = 0; i < 6; ++i) {
    json s = poll(f, code);
    CHECK(s["state"] == 1);
    seen.push_back(s["data"]["status"].get<int>());
  }
  CHECK(seen == std::vector<int>{0, 0, 1, 2, 2, 2});  // a final status stays

  CHECK(exchange(f, code, kVerifier + "x")["code"] == 40140108);       // another verifier
  CHECK(exchange(f, code, std::string(42, 'a'))["code"] == 40140107);  // too short
  json tokens = exchange(f, code, kVerifier);
  REQUIRE(tokens["state"] == 1);
  const std::string rt = tokens["data"]["refresh_token"], at = tokens["data"]["access_token"];
  CHECK(tokens["data"]["expires_in"] == 7200);
  CHECK(f.refresh_token() == rt);
  CHECK(f.access_token() == at);
  CHECK(get_json(f, "/open/user/info", {}, at)["state"] == true);
  CHECK(refresh(f, old_rt)["code"] == 40140120);  // the previous login's token is dead
  CHECK(f.stats()["device_logins_started"] == 1);

  // The uid is spent: neither a second exchange nor a poll works.
  CHECK(exchange(f, code, kVerifier)["code"] == 40140105);
  CHECK(poll(f, code)["code"] == 40140105);
}

TEST_CASE("device login: a URL-safe unpadded challenge is accepted too") {
  Fake115 f;
  f.control({{"device_login", {{"script", json::array({"confirmed"})}}}});
  json code = start(f, "100000001", challenge_of(kVerifier, true))["data"];
  CHECK(poll(f, code)["data"]["status"] == 2);
  CHECK(exchange(f, code, kVerifier)["state"] == 1);
}

TEST_CASE("device login: expired and cancelled codes end the login; no pair is issued") {
  Fake115 f;
  const std::string rt = f.refresh_token();
  f.control({{"device_login", {{"script", json::array({"waiting", "expired"})}}}});
  json code = start(f, "100000001", challenge_of(kVerifier, false))["data"];
  CHECK(poll(f, code)["data"]["status"] == 0);
  json expired = poll(f, code);
  CHECK(expired["state"] == 0);
  CHECK(expired["data"]["status"] == -1);
  CHECK(!expired["message"].get<std::string>().empty());
  CHECK(exchange(f, code, kVerifier)["code"] == 40140106);

  f.control({{"device_login", {{"script", json::array({"scanned", "cancelled"})}}}});
  code = start(f, "100000001", challenge_of(kVerifier, false))["data"];
  CHECK(poll(f, code)["data"]["status"] == 1);
  json cancelled = poll(f, code);
  CHECK(cancelled["state"] == 1);
  CHECK(cancelled["data"]["status"] == -2);
  CHECK(exchange(f, code, kVerifier)["code"] == 40140106);
  CHECK(f.refresh_token() == rt);
}

TEST_CASE("device login: 115-style errors for a wrong app id, a missing field, a bad method, a wrong sign") {
  Fake115 f({"--app-id", "123456789"});
  json wrong = start(f, "100000001", challenge_of(kVerifier, false));
  CHECK(wrong["state"] == 0);
  CHECK(wrong["code"] == 40140100);
  CHECK(wrong["errno"] == 40140100);
  CHECK(wrong["message"] == "client_id 错误");
  CHECK(wrong["error"] == "client_id 错误");
  CHECK(wrong["data"] == json::object());
  CHECK(start(f, "123456789", "")["code"] == 40100000);
  CHECK(post_json(f, "/open/authDeviceCode",
                  {{"client_id", "123456789"}, {"code_challenge", "x"}, {"code_challenge_method", "sha512"}},
                  "")["code"] == 40140101);

  json code = start(f, "123456789", challenge_of(kVerifier, false))["data"];
  json forged = code;
  forged["sign"] = "0000";
  CHECK(poll(f, forged)["code"] == 40140104);
  CHECK_THROWS(f.control({{"device_login", {{"script", json::array({"scanned", "teleported"})}}}}));
  CHECK_THROWS(f.control({{"device_login", {{"script", json::array()}}}}));
}

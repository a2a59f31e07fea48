#pragma once
// Shorthands for the emulator tests: proapi/passport calls against a running Fake115, SHA-1.
#include <openssl/evp.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>

#include "support/fake115.hpp"
#include "support/http.hpp"

namespace emu_test {
using namespace dav115::test;
using nlohmann::json;

inline const std::string kUa = "emulator-test/1.0";

inline HttpResult api_get(Fake115& f, const std::string& path, const HttpHeaders& query, const std::string& token,
                          const std::string& ua = kUa) {
  std::string url = f.base_url() + path + (query.empty() ? "" : "?" + form_encode(query));
  HttpHeaders h = {{"User-Agent", ua}};
  if (!token.empty()) h.emplace_back("Authorization", "Bearer " + token);
  return http("GET", url, h);
}

inline HttpResult api_post(Fake115& f, const std::string& path, const HttpHeaders& form, const std::string& token,
                           const std::string& ua = kUa) {
  HttpHeaders h = {{"User-Agent", ua}, {"Content-Type", "application/x-www-form-urlencoded"}};
  if (!token.empty()) h.emplace_back("Authorization", "Bearer " + token);
  return http("POST", f.base_url() + path, h, form_encode(form));
}

inline json get_json(Fake115& f, const std::string& path, const HttpHeaders& query, const std::string& token) {
  auto r = api_get(f, path, query, token);
  REQUIRE(r.status == 200);
  return json::parse(r.body);
}

inline json post_json(Fake115& f, const std::string& path, const HttpHeaders& form, const std::string& token,
                      const std::string& ua = kUa) {
  auto r = api_post(f, path, form, token, ua);
  REQUIRE(r.status == 200);
  return json::parse(r.body);
}

inline json refresh(Fake115& f, const std::string& refresh_token) {
  return post_json(f, "/open/refreshToken", {{"refresh_token", refresh_token}}, "");
}

inline std::string sha1_hex_upper(const std::string& data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha1(), nullptr);
  static const char* hex = "0123456789ABCDEF";
  std::string s;
  for (unsigned i = 0; i < len; ++i) {
    s += hex[md[i] >> 4];
    s += hex[md[i] & 15];
  }
  return s;
}

// The CDN URL minted for `ua` for the file at `path` in the fixture.
inline std::string download_url(Fake115& f, const std::string& path, const std::string& ua = kUa) {
  json e = f.entry(path);
  json j = post_json(f, "/open/ufile/downurl", {{"pick_code", e["pick_code"].get<std::string>()}}, f.access_token(), ua);
  REQUIRE(j["state"] == true);
  return j["data"][e["id"].get<std::string>()]["url"]["url"].get<std::string>();
}

}  // namespace emu_test

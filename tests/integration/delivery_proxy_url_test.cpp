// The proxy_url policy: GET answers 302 to <proxy_url><path>?sign=<hmac>:<expiry> (AList's format) and the
// gateway serves that URL itself, without Basic auth, checking signature and expiry.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cctype>
#include <chrono>

#include "support/digest.hpp"
#include "support/fake115.hpp"
#include "support/gateway.hpp"

using namespace dav115::test;
using nlohmann::json;

namespace {

constexpr const char* kSignKey = "test-proxy-sign-key";

// AList's sign value, computed independently of the gateway: base64url(HMAC-SHA256(key, path:expiry)):expiry.
std::string alist_sign(const std::string& path, std::int64_t expiry) {
  std::string msg = path + ":" + std::to_string(expiry);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), kSignKey, static_cast<int>(std::string(kSignKey).size()),
       reinterpret_cast<const unsigned char*>(msg.data()), msg.size(), mac, &len);
  std::string b64(4 * ((len + 2) / 3) + 1, '\0');
  b64.resize(EVP_EncodeBlock(reinterpret_cast<unsigned char*>(b64.data()), mac, static_cast<int>(len)));
  std::replace(b64.begin(), b64.end(), '+', '-');
  std::replace(b64.begin(), b64.end(), '/', '_');
  return b64 + ":" + std::to_string(expiry);
}

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

TEST_CASE("proxy_url: a valid signature streams the file; tampered or expired ones get 403") {
  Fake115 emu;
  Gateway gw(emu, {{"delivery", {{"policy", "proxy_url"}, {"proxy_sign_key", kSignKey}, {"proxy_url", "http://127.0.0.1:1/_proxy"}}}});
  serve_own_proxy(gw);
  const json entry = emu.entry("sizes/1m7.bin");
  const std::string proxy = gw.base_url() + "/_proxy/sizes/1m7.bin";

  auto r = dav(gw, "GET", "sizes/1m7.bin");
  REQUIRE(r.status == 302);
  const std::string location = r.header("Location");
  CHECK(location.rfind(proxy + "?sign=", 0) == 0);
  CHECK(r.header("Cache-Control") == "no-store");
  std::uint64_t since = emu.stats()["last_seq"];
  CHECK(emu.calls(since).empty());  // the redirect itself costs no 115 call

  SECTION("the signed link streams the file, whole or ranged, without credentials") {
    auto whole = http("GET", location, {}, "", {std::chrono::seconds(30)});
    REQUIRE(whole.status == 200);
    CHECK(sha1_hex(whole.body) == lower(entry["sha1"]));
    auto part = http("GET", location, {{"Range", "bytes=100-199"}});
    CHECK(part.status == 206);
    CHECK(part.body == whole.body.substr(100, 100));
  }
  SECTION("a signature computed independently with the AList recipe is accepted") {
    auto ok = http("GET", proxy + "?sign=" + alist_sign("/sizes/1m7.bin", unix_now() + 600), {{"Range", "bytes=0-9"}});
    CHECK(ok.status == 206);
    CHECK(ok.body.size() == 10);
  }
  SECTION("tampered, transplanted, missing or expired signatures are refused") {
    std::string sign = location.substr(location.find("?sign=") + 6);
    std::string tampered = sign;
    tampered[3] = tampered[3] == 'A' ? 'B' : 'A';
    CHECK(http("GET", proxy + "?sign=" + tampered).status == 403);
    // Same signature, other file.
    CHECK(http("GET", gw.base_url() + "/_proxy/sizes/128k.bin?sign=" + sign).status == 403);
    // Same MAC, extended expiry.
    std::string mac = sign.substr(0, sign.rfind(':'));
    CHECK(http("GET", proxy + "?sign=" + mac + ":" + std::to_string(unix_now() + 999999)).status == 403);
    CHECK(http("GET", proxy).status == 403);
    CHECK(http("GET", proxy + "?sign=" + alist_sign("/sizes/1m7.bin", unix_now() - 10)).status == 403);
    for (const auto& c : emu.calls(since)) CHECK(c["path"] != "/open/ufile/downurl");  // refused before any 115 call
  }
}

#include <catch2/catch.hpp>

#include "dav115/delivery/signed_url.hpp"

using namespace dav115::delivery;

TEST_CASE("Signed proxy paths: AList-compatible format") {
  // Known answer: HMAC-SHA256(key="key", "/a.txt:0") computed independently with
  //   printf '/a.txt:0' | openssl dgst -sha256 -hmac key -binary | basenc --base64url
  CHECK(sign_path("key", "/a.txt", 0) == "4dMSPLv_UGcSpoOHp-ywnMiRgYDbe9RsyKacl9rVBaA=:0");
  auto s = sign_path("key", "/dir/file.mkv", 2000);
  CHECK(s.size() == 44 + 1 + 4);  // padded base64url of 32 bytes, ':' and the expiry
  CHECK(s.substr(44) == ":2000");
  CHECK(s.find('+') == std::string::npos);
  CHECK(s.find('/') == std::string::npos);
}

TEST_CASE("Signed proxy paths: verification") {
  auto s = sign_path("secret", "/Movies/a b.mkv", 2000);
  CHECK(verify_path_signature("secret", "/Movies/a b.mkv", s, 1000) == SignCheck::Valid);
  CHECK(verify_path_signature("secret", "/Movies/a b.mkv", s, 2001) == SignCheck::Expired);
  CHECK(verify_path_signature("secret", "/Movies/other.mkv", s, 1000) == SignCheck::Invalid);
  CHECK(verify_path_signature("other-key", "/Movies/a b.mkv", s, 1000) == SignCheck::Invalid);
  CHECK(verify_path_signature("secret", "/Movies/a b.mkv", "", 1000) == SignCheck::Missing);
  CHECK(verify_path_signature("secret", "/Movies/a b.mkv", "abc", 1000) == SignCheck::Malformed);
  CHECK(verify_path_signature("secret", "/Movies/a b.mkv", "abc:x", 1000) == SignCheck::Malformed);

  std::string tampered = s;
  tampered[3] = tampered[3] == 'A' ? 'B' : 'A';
  CHECK(verify_path_signature("secret", "/Movies/a b.mkv", tampered, 1000) == SignCheck::Invalid);
  // Extending the expiry without re-signing is caught by the MAC.
  std::string later = s.substr(0, 44) + ":9999";
  CHECK(verify_path_signature("secret", "/Movies/a b.mkv", later, 1000) == SignCheck::Invalid);
  // Expiry 0 never expires (AList semantics), but must still be signed.
  auto forever = sign_path("secret", "/x", 0);
  CHECK(verify_path_signature("secret", "/x", forever, 99999999) == SignCheck::Valid);
}

TEST_CASE("Signed proxy URL: encoded path and sign parameter") {
  auto url = signed_proxy_url("https://dl.example.com/_proxy/", "/电影/a b#1?.mkv", "k", 77);
  CHECK(url.rfind("https://dl.example.com/_proxy/%E7%94%B5%E5%BD%B1/a%20b%231%3F.mkv?sign=", 0) == 0);
  CHECK(url.substr(url.find("?sign=") + 6) == sign_path("k", "/电影/a b#1?.mkv", 77));
}

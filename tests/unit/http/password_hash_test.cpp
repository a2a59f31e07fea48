#include <catch2/catch.hpp>

#include <vector>

#include "dav115/http/password_hash.hpp"

using namespace dav115::http;

TEST_CASE("hash_password produces the documented encoding and verifies") {
  auto h = hash_password("correct horse", 1000);
  REQUIRE(h.rfind("pbkdf2-sha256$1000$", 0) == 0);
  // 16-byte salt -> 24 base64 chars, 32-byte key -> 44.
  auto salt_start = h.find('$', 14) + 1;
  auto key_start = h.find('$', salt_start) + 1;
  CHECK(key_start - salt_start - 1 == 24);
  CHECK(h.size() - key_start == 44);
  CHECK(verify_password("correct horse", h));
  CHECK_FALSE(verify_password("correct horsf", h));
  CHECK_FALSE(verify_password("", h));
  CHECK(hash_password("correct horse", 1000) != h);  // random salt
}

TEST_CASE("verify_password is false for malformed encodings") {
  auto h = hash_password("pw", 1000);
  CHECK_FALSE(verify_password("pw", ""));
  CHECK_FALSE(verify_password("pw", "pw"));
  CHECK_FALSE(verify_password("pw", "bcrypt" + h.substr(13)));          // other scheme
  CHECK_FALSE(verify_password("pw", h + "$extra"));                     // too many parts
  CHECK_FALSE(verify_password("pw", "pbkdf2-sha256$abc$AAAA$AAAA"));    // bad iterations
  CHECK_FALSE(verify_password("pw", "pbkdf2-sha256$0$AAAA$AAAA"));
  CHECK_FALSE(verify_password("pw", "pbkdf2-sha256$1000$!!!!$AAAA"));   // bad base64
  CHECK_FALSE(verify_password("pw", "pbkdf2-sha256$1000$$AAAA"));       // empty salt
}

TEST_CASE("base64 round trip and strict decoding") {
  std::string out;
  for (const std::string& s : std::vector<std::string>{"", "a", "ab", "abc", "abcd", std::string("\0\xff\x10", 3)}) {
    REQUIRE(base64_decode(base64_encode(s), out));
    CHECK(out == s);
  }
  CHECK(base64_encode("alice:secret") == "YWxpY2U6c2VjcmV0");
  CHECK_FALSE(base64_decode("YWx", out));      // length not a multiple of 4
  CHECK_FALSE(base64_decode("Y=xp", out));     // '=' in the middle
  CHECK_FALSE(base64_decode("YW p", out));     // whitespace
}

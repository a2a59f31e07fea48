#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "dav115/util/unicode.hpp"
#include "dav115/serve/request_path.hpp"

using namespace dav115;
using namespace dav115::serve;
using Segments = std::vector<std::string>;

TEST_CASE("paths under the mount decode to segments") {
  auto r = decode_request_path("/dav/a%20b/c%C3%BC.mkv?x=1", "/dav/");
  REQUIRE(r.ok());
  CHECK(r.path.segments == Segments{"a b", "cü.mkv"});
  CHECK_FALSE(r.path.trailing_slash);

  r = decode_request_path("/dav/a//b/", "/dav/");
  REQUIRE(r.ok());
  CHECK(r.path.segments == Segments{"a", "b"});
  CHECK(r.path.trailing_slash);

  r = decode_request_path("http://host:8080/dav/x", "/dav/");
  REQUIRE(r.ok());
  CHECK(r.path.segments == Segments{"x"});
}

TEST_CASE("the mount root matches with and without its trailing slash") {
  for (const char* t : {"/dav", "/dav/", "/dav?q", "//dav//"}) {
    INFO(t);
    auto r = decode_request_path(t, "/dav/");
    REQUIRE(r.ok());
    CHECK(r.path.segments.empty());
    CHECK(r.path.trailing_slash);
  }
  auto root = decode_request_path("/", "/");
  REQUIRE(root.ok());
  CHECK(root.path.segments.empty());
}

TEST_CASE("paths outside the mount are 404") {
  for (const char* t : {"/", "/davx", "/other/dav/", "/da"}) {
    INFO(t);
    CHECK(decode_request_path(t, "/dav/").status == 404);
  }
}

TEST_CASE("every traversal and smuggling form is 400") {
  const char* bad[] = {
      "/dav/../etc/passwd",     "/dav/a/./b",           "/dav/%2e%2e/x",       "/dav/%2E%2E/x",
      "/dav/.%2e/x",            "/dav/%2e",             "/dav/a%2fb",          "/dav/a%2Fb",
      "/dav/a%5cb",             "/dav/a%5C..%5Cb",      "/dav/a%00b",          "/dav/a%0d%0ab",
      "/dav/a%7fb",             "/dav/%c0%ae%c0%ae/x",  "/dav/%c0%af",         "/dav/%e0%80%ae",
      "/dav/%ed%a0%80",         "/dav/%ff",             "/dav/%",              "/dav/%zz",
      "/dav/a\\b",              "dav/x",                "/../dav/x",
  };
  for (const char* t : bad) {
    INFO(t);
    CHECK(decode_request_path(t, "/dav/").status == 400);
  }
}

TEST_CASE("double encoding is decoded once only; double-encoded traversal is refused") {
  auto r = decode_request_path("/dav/100%25", "/dav/");
  REQUIRE(r.ok());
  CHECK(r.path.segments == Segments{"100%"});
  r = decode_request_path("/dav/%2541%20b/100%25%20done", "/dav/");
  REQUIRE(r.ok());
  CHECK(r.path.segments == Segments{"%41 b", "100% done"});
  for (const char* t : {"/dav/%252e%252e/x", "/dav/%252E%252e", "/dav/.%252e/x", "/dav/a%252fb", "/dav/a%255cb",
                        "/dav/a%2500b", "/dav/%25252e%25252e/x"}) {
    INFO(t);
    CHECK(decode_request_path(t, "/dav/").status == 400);
  }
}

TEST_CASE("NFD names from Finder are looked up in NFC, hrefs keep the client's form") {
  // "ü" as u + COMBINING DIAERESIS, the way Finder sends it
  auto r = decode_request_path("/u%CC%88ber/", "/");
  REQUIRE(r.ok());
  CHECK(r.path.segments == Segments{"u\xCC\x88" "ber"});
  CHECK(r.path.lookup_segments == Segments{"\xC3\xBC" "ber"});
}

TEST_CASE("nfc and UTF-8 validation helpers") {
  CHECK(util::nfc("plain") == "plain");
  CHECK(util::nfc("e\xCC\x81") == "\xC3\xA9");          // e + acute -> é
  CHECK(util::nfc("\xC3\xA9") == "\xC3\xA9");            // already NFC
  CHECK(util::is_valid_utf8("中文 🎬"));
  CHECK_FALSE(util::is_valid_utf8("\xC0\xAE"));          // overlong '.'
  CHECK_FALSE(util::is_valid_utf8("\xED\xA0\x80"));      // surrogate
  CHECK_FALSE(util::is_valid_utf8("\xE4\xB8"));          // truncated
  CHECK_FALSE(util::is_valid_utf8("\xF4\x90\x80\x80"));  // above U+10FFFF
}

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "dav115/serve/path_codec.hpp"

using namespace dav115::serve;

namespace {
std::vector<std::string> nasty_names() {
  return {
      "a b",
      "a&b",
      "#hash",
      "100%",
      "what?",
      "a+b",
      "it's",
      "(1)",
      "a;b",
      "k=v",
      "中文文件名.mkv",
      "emoji 🎬🍿.mp4",
      "ünïcödé & more.txt",
      "trailing dots...",
      "%2e%2e",
      "back\\slash",
      "quote\"d<tag>",
      std::string(200, 'n'),
      std::string(50, '\xE5') ,  // not valid UTF-8 on purpose: the codec is byte-exact anyway
  };
}
}  // namespace

TEST_CASE("every nasty name round-trips through encode and decode") {
  for (const auto& name : nasty_names()) {
    INFO(name);
    std::string enc = encode_segment(name);
    CHECK(enc.find('/') == std::string::npos);
    CHECK(enc.find(' ') == std::string::npos);
    CHECK(enc.find('#') == std::string::npos);
    CHECK(enc.find('?') == std::string::npos);
    auto dec = decode_segment(enc);
    REQUIRE(dec);
    CHECK(*dec == name);
  }
}

TEST_CASE("encoding uses upper-case hex and leaves only unreserved characters raw") {
  CHECK(encode_segment("a b") == "a%20b");
  CHECK(encode_segment("100%") == "100%25");
  CHECK(encode_segment("#?") == "%23%3F");
  CHECK(encode_segment("ü") == "%C3%BC");
  CHECK(encode_segment("中") == "%E4%B8%AD");
  CHECK(encode_segment("a/b") == "a%2Fb");
  CHECK(encode_segment("-._~AZaz09") == "-._~AZaz09");
  // neon (cadaver, davfs2) compares hrefs with the escaped path it sent: sub-delims must be escaped.
  CHECK(encode_segment("!$&'()*+,;=:@") == "%21%24%26%27%28%29%2A%2B%2C%3B%3D%3A%40");
  CHECK(encode_segment("\"<>\\^`{|}") == "%22%3C%3E%5C%5E%60%7B%7C%7D");
}

TEST_CASE("decoding refuses malformed escapes and decodes only once") {
  CHECK_FALSE(decode_segment("%"));
  CHECK_FALSE(decode_segment("%4"));
  CHECK_FALSE(decode_segment("%zz"));
  CHECK(*decode_segment("%252e") == "%2e");
  CHECK(*decode_segment("%c3%bc") == "ü");  // clients may send lower case
}

TEST_CASE("encode_path joins encoded segments for Location headers") {
  CHECK(encode_path({}) == "/");
  CHECK(encode_path({}, true) == "/");
  CHECK(encode_path({"a b", "c&d.mkv"}) == "/a%20b/c%26d.mkv");
  CHECK(encode_path({"dir"}, true) == "/dir/");
}

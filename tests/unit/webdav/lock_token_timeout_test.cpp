#include <catch2/catch.hpp>

#include <regex>
#include <set>
#include <string>

#include "dav115/webdav/lock_token.hpp"
#include "dav115/webdav/timeout_header.hpp"

using namespace dav115::webdav;
using std::chrono::seconds;

TEST_CASE("lock tokens are version 4 UUID URNs, and distinct") {
  const std::regex shape("urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    std::string t = new_lock_token();
    INFO(t);
    CHECK(std::regex_match(t, shape));
    seen.insert(t);
  }
  CHECK(seen.size() == 200);
}

TEST_CASE("Timeout header: the first understood value wins") {
  CHECK(parse_timeout(std::nullopt) == std::nullopt);
  CHECK(parse_timeout("Second-60") == seconds(60));
  CHECK(parse_timeout(" second-0 ") == seconds(0));
  CHECK(parse_timeout("Infinite") == seconds::max());
  CHECK(parse_timeout("infinite, Second-4100000000") == seconds::max());
  CHECK(parse_timeout("Second-4100000000, Infinite") == seconds(4100000000));
  CHECK(parse_timeout("Extra-1, Second-5") == seconds(5));
  CHECK(parse_timeout("Second-99999999999999999999") == seconds::max());
}

TEST_CASE("Timeout header: nothing understood means no preference") {
  for (const char* v : {"", "Second-", "Second-1x", "Second--1", "Seconds-5", "5", "Never", " , "}) {
    INFO(v);
    CHECK(parse_timeout(v) == std::nullopt);
  }
}

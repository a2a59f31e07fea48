// PropfindMemo: a body seen lately is not parsed again; bad bodies and big ones are never kept.
#include <catch2/catch.hpp>

#include <string>

#include "dav115/webdav/propfind_memo.hpp"

using namespace dav115::webdav;

namespace {
const std::string kFourProps =
    R"(<?xml version="1.0"?><d:propfind xmlns:d="DAV:"><d:prop><d:displayname/><d:getlastmodified/>)"
    R"(<d:getcontentlength/><d:resourcetype/></d:prop></d:propfind>)";
}

TEST_CASE("propfind memo: the same body gives the same parsed request; another body its own") {
  PropfindMemo memo;
  auto a = memo.parse(kFourProps);
  REQUIRE(a->props.size() == 4);
  CHECK(memo.parse(kFourProps) == a);
  auto allprop = memo.parse("");
  CHECK(allprop != a);
  CHECK(allprop->mode == PropfindRequest::Mode::AllProp);
  CHECK(memo.parse(kFourProps) == a);
}

TEST_CASE("propfind memo: a malformed body throws every time; big bodies are parsed afresh; few are kept") {
  PropfindMemo memo;
  CHECK_THROWS_AS(memo.parse("<d:propfind"), PropfindParseError);
  CHECK_THROWS_AS(memo.parse("<d:propfind"), PropfindParseError);

  std::string big = kFourProps;
  big.insert(big.find("<d:prop>"), std::string(PropfindMemo::kMaxBodyBytes, ' '));
  auto b1 = memo.parse(big);
  CHECK(b1->props.size() == 4);
  CHECK(memo.parse(big) != b1);

  auto first = memo.parse(kFourProps);
  for (std::size_t i = 0; i < PropfindMemo::kEntries; ++i)  // as many other bodies push it out
    memo.parse(kFourProps + std::string(i + 1, ' '));
  CHECK(memo.parse(kFourProps) != first);
}

#include <catch2/catch.hpp>

#include <string>

#include "dav115/webdav/if_header.hpp"

using namespace dav115::webdav;
using Kind = IfCondition::Kind;

namespace {
IfCondition token(std::string v, bool negated = false) { return {Kind::StateToken, negated, std::move(v)}; }
IfCondition etag(std::string v, bool negated = false) { return {Kind::EntityTag, negated, std::move(v)}; }
}  // namespace

TEST_CASE("If: one untagged list with a lock token and an ETag (litmus cond_put)") {
  IfHeader h = parse_if_header(R"((<urn:uuid:1234> ["abc"]))");
  REQUIRE(h.lists.size() == 1);
  CHECK_FALSE(h.lists[0].resource);
  REQUIRE(h.lists[0].conditions.size() == 2);
  CHECK(h.lists[0].conditions[0] == token("urn:uuid:1234"));
  CHECK(h.lists[0].conditions[1] == etag("\"abc\""));
}

TEST_CASE("If: several untagged lists, Not in any case, weak tags, no-lock") {
  IfHeader h = parse_if_header(R"((<urn:uuid:a> [W/"x"]) (Not <DAV:no-lock> ["y"]) (nOt ["z"]))");
  REQUIRE(h.lists.size() == 3);
  CHECK(h.lists[0].conditions[1] == etag("W/\"x\""));
  CHECK(h.lists[1].conditions[0] == token("DAV:no-lock", true));
  CHECK(h.lists[1].conditions[1] == etag("\"y\""));
  CHECK(h.lists[2].conditions[0] == etag("\"z\"", true));
}

TEST_CASE("If: tagged lists keep their resource as written, one tag may carry several lists") {
  IfHeader h = parse_if_header(
      "<http://h/dav/a%20b/> (<urn:uuid:1>) (<urn:uuid:2>) </dav/c> (Not [\"e\"])");
  REQUIRE(h.lists.size() == 3);
  CHECK(h.lists[0].resource == "http://h/dav/a%20b/");
  CHECK(h.lists[1].resource == "http://h/dav/a%20b/");
  CHECK(h.lists[1].conditions[0] == token("urn:uuid:2"));
  CHECK(h.lists[2].resource == "/dav/c");
  CHECK(h.lists[2].conditions[0] == etag("\"e\"", true));
}

TEST_CASE("If: whitespace is optional between tokens and allowed around them") {
  IfHeader tight = parse_if_header("(<urn:x:1>[\"a\"])(Not<urn:x:2>)");
  IfHeader loose = parse_if_header(" \t( \t<urn:x:1>  [ \"a\" ] )  ( Not   <urn:x:2> )\t ");
  REQUIRE(tight.lists.size() == 2);
  REQUIRE(loose.lists.size() == 2);
  for (std::size_t i = 0; i < 2; ++i) {
    CHECK(tight.lists[i].conditions == loose.lists[i].conditions);
  }
  CHECK(tight.lists[1].conditions[0] == token("urn:x:2", true));
}

TEST_CASE("If: malformed headers are errors") {
  const char* bad[] = {
      "",                             // nothing
      "   ",                          // nothing but space
      "()",                           // empty list
      "(<urn:a:b>",                   // unterminated list
      "<urn:a:b>)",                   // a tag and no list
      "(<urn:a:b>) <http://h/> (<urn:a:c>)",  // tagged after untagged
      "<http://h/> (<urn:a:b>) (<urn:a:c>) x",  // trailing junk
      "(urn:a:b)",                    // token without angle brackets
      "(<urn:a:b)",                   // unterminated '<'
      "(<>)",                         // empty token
      "(<no-scheme>)",                // a state token must be an absolute URI
      "(<1x:y>)",                     // a scheme starts with a letter
      "(<urn:a b>)",                  // space inside a URI
      "([abc])",                      // entity tag without quotes
      "([\"abc])",                    // unterminated quote
      "([\"abc\")",                   // missing ']'
      "([\"abc\" \"d\"])",            // two tags in one bracket
      "(Not)",                        // Not without a condition
      "(Not Not <urn:a:b>)",          // Not twice
      "(Nope <urn:a:b>)",             // not a keyword
      "((<urn:a:b>))",                // nested list
      "<> (<urn:a:b>)",               // empty tag
      "[\"abc\"]",                    // a condition outside a list
  };
  for (const char* h : bad) {
    INFO(h);
    CHECK_THROWS_AS(parse_if_header(h), IfHeaderError);
  }
}

TEST_CASE("submitted lock tokens: positive state tokens from every list, once each") {
  IfHeader h = parse_if_header(
      "<http://h/a> (<urn:uuid:1> [\"e\"]) (Not <urn:uuid:2>) </b> (<urn:uuid:3>) (<urn:uuid:1>)");
  CHECK(submitted_lock_tokens(h) == std::vector<std::string>{"urn:uuid:1", "urn:uuid:3"});
  CHECK(submitted_lock_tokens(parse_if_header("([\"e\"])")).empty());
}

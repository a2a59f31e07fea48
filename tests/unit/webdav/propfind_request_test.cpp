#include <catch2/catch.hpp>

#include <string>

#include "dav115/webdav/propfind_request.hpp"

using namespace dav115::webdav;
using Mode = PropfindRequest::Mode;

namespace {
PropertyName dav(const char* local) { return {"DAV:", local}; }
}  // namespace

TEST_CASE("an empty or whitespace-only PROPFIND body means allprop") {
  CHECK(parse_propfind("").mode == Mode::AllProp);
  CHECK(parse_propfind(" \r\n\t").mode == Mode::AllProp);
  CHECK(parse_propfind("").props.empty());
}

TEST_CASE("allprop, allprop with include, and propname") {
  auto all = parse_propfind(R"(<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:allprop/></D:propfind>)");
  CHECK(all.mode == Mode::AllProp);
  CHECK(all.props.empty());

  auto inc = parse_propfind(
      R"(<D:propfind xmlns:D="DAV:"><D:allprop/><D:include><D:quota-used-bytes/><z:x xmlns:z="urn:z"/></D:include></D:propfind>)");
  CHECK(inc.mode == Mode::AllProp);
  REQUIRE(inc.props.size() == 2);
  CHECK(inc.props[0] == dav("quota-used-bytes"));
  CHECK(inc.props[1] == PropertyName{"urn:z", "x"});

  CHECK(parse_propfind(R"(<propfind xmlns="DAV:"><propname/></propfind>)").mode == Mode::PropName);
}

TEST_CASE("prop with the D: prefix, another prefix, or the default namespace resolves to DAV:") {
  const std::string bodies[] = {
      R"(<D:propfind xmlns:D="DAV:"><D:prop><D:getetag/><D:displayname/></D:prop></D:propfind>)",
      R"(<a:propfind xmlns:a="DAV:"><a:prop><a:getetag/><a:displayname/></a:prop></a:propfind>)",
      R"(<propfind xmlns="DAV:"><prop><getetag/><displayname/></prop></propfind>)",
      // declaration on an inner element, scoped to it
      R"(<x:propfind xmlns:x="DAV:"><y:prop xmlns:y="DAV:"><y:getetag/><x:displayname/></y:prop></x:propfind>)",
  };
  for (const auto& body : bodies) {
    INFO(body);
    auto r = parse_propfind(body);
    CHECK(r.mode == Mode::Prop);
    REQUIRE(r.props.size() == 2);
    CHECK(r.props[0] == dav("getetag"));
    CHECK(r.props[1] == dav("displayname"));
  }
}

TEST_CASE("props in other namespaces, no namespace and duplicates") {
  auto r = parse_propfind(
      R"(<D:propfind xmlns:D="DAV:" xmlns:oc="http://owncloud.org/ns"><D:prop>)"
      R"(<oc:checksums/><foo xmlns=""/><D:getetag/><D:getetag/><m:Win32CreationTime xmlns:m="urn:schemas-microsoft-com:"/>)"
      R"(</D:prop></D:propfind>)");
  REQUIRE(r.props.size() == 4);
  CHECK(r.props[0] == PropertyName{"http://owncloud.org/ns", "checksums"});
  CHECK(r.props[1] == PropertyName{"", "foo"});
  CHECK(r.props[2] == dav("getetag"));
  CHECK(r.props[3] == PropertyName{"urn:schemas-microsoft-com:", "Win32CreationTime"});
}

TEST_CASE("a prefix declared on a sibling does not leak into the next element") {
  CHECK_THROWS_AS(parse_propfind(R"(<D:propfind xmlns:D="DAV:"><D:prop><a:x xmlns:a="urn:a"/><a:y/></D:prop></D:propfind>)"),
                  PropfindParseError);
}

TEST_CASE("bodies that must be refused with 400") {
  const std::string bad[] = {
      // DOCTYPE / entities
      R"(<?xml version="1.0"?><!DOCTYPE foo [<!ENTITY x "y">]><D:propfind xmlns:D="DAV:"><D:allprop/></D:propfind>)",
      R"(<!doctype x><D:propfind xmlns:D="DAV:"><D:allprop/></D:propfind>)",
      // prefix undeclaration (litmus propfind_invalid2)
      R"(<D:propfind xmlns:D="DAV:"><D:prop><bar:foo xmlns:bar=""/></D:prop></D:propfind>)",
      // malformed
      R"(<D:propfind xmlns:D="DAV:"><D:prop></D:propfind>)",
      "this is not xml",
      R"(<D:propfind xmlns:D="DAV:"><D:allprop/></D:propfind><another/>)",
      // wrong root
      R"(<D:propertyupdate xmlns:D="DAV:"><D:set/></D:propertyupdate>)",
      R"(<propfind><allprop/></propfind>)",  // no namespace: not DAV:propfind
      R"(<D:propfind xmlns:D="urn:not-dav"><D:allprop/></D:propfind>)",
      // unbound prefix
      R"(<D:propfind><D:allprop/></D:propfind>)",
      // no mode, or two modes
      R"(<D:propfind xmlns:D="DAV:"></D:propfind>)",
      R"(<D:propfind xmlns:D="DAV:"><D:allprop/><D:propname/></D:propfind>)",
  };
  for (const auto& body : bad) {
    INFO(body);
    CHECK_THROWS_AS(parse_propfind(body), PropfindParseError);
  }
}

namespace {
// <D:propfind><D:prop><x>...<x/>...</x></D:prop></D:propfind> with `depth` elements in total.
std::string nested(int depth) {
  std::string open = R"(<D:propfind xmlns:D="DAV:"><D:prop>)", close = "</D:prop></D:propfind>";
  for (int i = 0; i < depth - 2; ++i) open += "<x>";
  for (int i = 0; i < depth - 2; ++i) close.insert(0, "</x>");
  return open + close;
}
}  // namespace

TEST_CASE("nesting is bounded at 64 levels") {
  CHECK_NOTHROW(parse_propfind(nested(kMaxXmlDepth)));
  CHECK_THROWS_AS(parse_propfind(nested(kMaxXmlDepth + 1)), PropfindParseError);
  CHECK_THROWS_AS(parse_propfind(nested(10000)), PropfindParseError);
}

// Regression (fuzz/propfind_fuzz.cpp): duplicates used to be found by a linear search, so a 64 KB
// body of distinct names took seconds. The set-based check must keep the same results: first
// occurrence kept, order preserved, a name in another namespace distinct.
TEST_CASE("a body with thousands of property names keeps each distinct name once, in order") {
  std::string body = R"(<D:propfind xmlns:D="DAV:" xmlns:z="urn:z"><D:prop>)";
  constexpr int kNames = 9000;
  for (int i = 0; i < kNames; ++i) body += "<p" + std::to_string(i) + "/>";
  for (int i = 0; i < kNames; i += 7) body += "<p" + std::to_string(i) + "/>";  // repeats
  body += "<z:p1/><D:getetag/><D:getetag/></D:prop></D:propfind>";
  auto req = parse_propfind(body);
  REQUIRE(req.props.size() == kNames + 2);
  CHECK(req.props[0] == PropertyName{"", "p0"});
  CHECK(req.props[kNames - 1] == PropertyName{"", "p" + std::to_string(kNames - 1)});
  CHECK(req.props[kNames] == PropertyName{"urn:z", "p1"});
  CHECK(req.props[kNames + 1] == dav("getetag"));
}

TEST_CASE("names and namespaces that could not be echoed as XML are refused") {
  auto body = [](std::string prop) {
    return R"(<D:propfind xmlns:D="DAV:"><D:prop>)" + prop + "</D:prop></D:propfind>";
  };
  // pugixml itself accepts all of these; the 207 would then not be XML.
  CHECK_THROWS_AS(parse_propfind(body("<z:x xmlns:z=\"urn:\xFF\"/>")), PropfindParseError);
  CHECK_THROWS_AS(parse_propfind(body("<z:x xmlns:z=\"urn:\xED\xA0\x80\"/>")), PropfindParseError);
  CHECK_THROWS_AS(parse_propfind(body("<z:x xmlns:z=\"urn:&#xFFFE;\"/>")), PropfindParseError);
  CHECK_THROWS_AS(parse_propfind(body("<z:x xmlns:z=\"urn:&#1;\"/>")), PropfindParseError);
  CHECK_THROWS_AS(parse_propfind(body("<D:x\xFF/>")), PropfindParseError);
  CHECK_THROWS_AS(parse_propfind(body("<D:1x/>")), PropfindParseError);
  CHECK_THROWS_AS(parse_propfind(body("<D:-x/>")), PropfindParseError);
  // Valid non-ASCII names and namespaces are fine.
  auto ok = parse_propfind(body("<z:名前 xmlns:z=\"urn:例\"/>"));
  REQUIRE(ok.props.size() == 1);
  CHECK(ok.props[0] == PropertyName{"urn:例", "名前"});
}

TEST_CASE("a namespace shared by thousands of properties is stored once") {
  const std::string ns = "urn:" + std::string(30000, 'n');
  std::string body = R"(<D:propfind xmlns:D="DAV:"><D:prop xmlns:X=")" + ns + R"(">)";
  for (int i = 0; i < 3600; ++i) body += "<X:p" + std::to_string(i) + "/>";
  body += "<D:getetag/></D:prop></D:propfind>";
  auto req = parse_propfind(body);
  REQUIRE(req.props.size() == 3601);
  CHECK(req.namespaces.size() == 2);  // the long one and DAV:
  for (const auto& p : req.props)
    if (p.local != "getetag") CHECK(p.ns.data() == req.props[0].ns.data());
  CHECK(req.props[3599].ns == ns);
  // Moving the request (as the handler does) keeps the names valid.
  PropfindRequest moved = std::move(req);
  CHECK(moved.props[0].ns == ns);
}

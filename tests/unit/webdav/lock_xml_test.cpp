#include <catch2/catch.hpp>

#include <pugixml.hpp>

#include <string>

#include "dav115/webdav/lock_xml.hpp"

using namespace dav115::webdav;
using std::chrono::seconds;

namespace {

pugi::xml_document parse_xml(const std::string& text) {
  pugi::xml_document doc;
  pugi::xml_parse_result r = doc.load_string(text.c_str());
  INFO(text);
  REQUIRE(r);
  return doc;
}

// The DAV:owner element of `body` once echoed inside our own <D:owner>, read back by pugixml.
pugi::xml_document echoed_owner(std::string_view body) {
  std::optional<LockInfo> info = parse_lock_body(body);
  REQUIRE(info);
  return parse_xml(R"(<D:owner xmlns:D="DAV:">)" + info->owner_xml + "</D:owner>");
}

Lock sample_lock(LockClock::time_point now) {
  Lock l;
  l.token = "urn:uuid:0f3c7a52-1d2e-4f60-8a9b-0c1d2e3f4a5b";
  l.root = "/a b";
  l.scope = LockScope::Shared;
  l.infinite = true;
  l.owner_xml = "<D:href>mailto:a&amp;b@example.com</D:href>";
  l.timeout = seconds(600);
  l.expires = now + seconds(600);
  return l;
}

}  // namespace

TEST_CASE("LOCK body: an empty body asks for a refresh") {
  CHECK(parse_lock_body("") == std::nullopt);
  CHECK(parse_lock_body(" \r\n\t") == std::nullopt);
}

TEST_CASE("LOCK body: scope, and a text owner as litmus sends it") {
  auto info = parse_lock_body(
      R"(<?xml version="1.0" encoding="utf-8"?><lockinfo xmlns='DAV:'><lockscope><shared/></lockscope>)"
      R"(<locktype><write/></locktype><owner>litmus test suite</owner></lockinfo>)");
  REQUIRE(info);
  CHECK(info->scope == LockScope::Shared);
  CHECK(info->owner_xml == "litmus test suite");

  auto excl = parse_lock_body(
      R"(<D:lockinfo xmlns:D="DAV:"><D:locktype><D:write/></D:locktype><D:lockscope><D:exclusive/></D:lockscope></D:lockinfo>)");
  REQUIRE(excl);
  CHECK(excl->scope == LockScope::Exclusive);
  CHECK(excl->owner_xml.empty());
}

TEST_CASE("LOCK body: owner elements keep their namespaces when echoed under another prefix") {
  // Default namespace DAV: on the root: the echoed <href> must still be DAV:href.
  pugi::xml_document a = echoed_owner(
      R"(<lockinfo xmlns="DAV:"><lockscope><exclusive/></lockscope><locktype><write/></locktype>)"
      R"(<owner><href>http://www.apple.com/webdav_fs/</href></owner></lockinfo>)");
  pugi::xml_node href = a.child("D:owner").child("href");
  REQUIRE(href);
  CHECK(std::string(href.attribute("xmlns").value()) == "DAV:");
  CHECK(std::string(href.text().get()) == "http://www.apple.com/webdav_fs/");

  // A prefix declared on the root, used inside owner, and an attribute with special characters.
  pugi::xml_document b = echoed_owner(
      R"(<a:lockinfo xmlns:a="DAV:" xmlns:z="urn:z"><a:lockscope><a:exclusive/></a:lockscope>)"
      R"(<a:locktype><a:write/></a:locktype><a:owner>Me &amp; <z:who z:n="1&lt;2" xml:lang="en">x<![CDATA[<y>]]></z:who></a:owner></a:lockinfo>)");
  pugi::xml_node owner = b.child("D:owner");
  CHECK(std::string(owner.first_child().value()) == "Me & ");
  pugi::xml_node who = owner.child("z:who");
  REQUIRE(who);
  CHECK(std::string(who.attribute("xmlns:z").value()) == "urn:z");
  CHECK(std::string(who.attribute("xmlns:a").value()) == "DAV:");
  CHECK(std::string(who.attribute("z:n").value()) == "1<2");
  CHECK(std::string(who.text().get()) == "x<y>");
}

TEST_CASE("LOCK body: malformed or unsupported bodies are errors") {
  const std::string scope_type = "<D:lockscope><D:exclusive/></D:lockscope><D:locktype><D:write/></D:locktype>";
  auto wrap = [](const std::string& inner) { return R"(<D:lockinfo xmlns:D="DAV:">)" + inner + "</D:lockinfo>"; };
  const std::string bad[] = {
      "<D:lockinfo xmlns:D=\"DAV:\">",                                               // not XML
      "<lockinfo>" + scope_type + "</lockinfo>",                                       // root in no namespace
      R"(<D:propfind xmlns:D="DAV:"/>)",                                               // wrong root
      R"(<lockinfo xmlns="urn:not-dav"><lockscope><exclusive/></lockscope></lockinfo>)",
      wrap("<D:locktype><D:write/></D:locktype>"),                                     // no scope
      wrap("<D:lockscope><D:exclusive/></D:lockscope>"),                               // no type
      wrap("<D:lockscope><D:exclusive/><D:shared/></D:lockscope><D:locktype><D:write/></D:locktype>"),
      wrap("<D:lockscope><D:other/></D:lockscope><D:locktype><D:write/></D:locktype>"),
      wrap("<D:lockscope><D:exclusive/></D:lockscope><D:locktype><D:read/></D:locktype>"),
      wrap(scope_type + scope_type),                                                   // twice
      wrap(scope_type + "<D:owner>a</D:owner><D:owner>b</D:owner>"),
      wrap(scope_type + "<D:owner><x:y/></D:owner>"),                                  // undeclared in owner
      wrap(scope_type + R"(<D:owner><y a="1" a="2"/></D:owner>)"),                     // repeated attribute
      wrap(scope_type + R"(<D:owner><y xmlns:p=""/></D:owner>)"),                      // prefix bound to ""
      wrap(scope_type + "<D:owner><a:1y xmlns:a='u'/></D:owner>"),                     // not an XML name
      wrap(scope_type + "<D:owner>" + std::string(kMaxOwnerBytes + 1, 'x') + "</D:owner>"),
      R"(<!DOCTYPE x [<!ENTITY e "e">]>)" + wrap(scope_type),                          // DTD
      wrap(scope_type) + wrap(scope_type),                                             // two roots
  };
  for (const std::string& body : bad) {
    INFO(body.substr(0, 200));
    CHECK_THROWS_AS(parse_lock_body(body), LockBodyError);
  }
  // Unknown elements are ignored (RFC 4918 §17), and an owner at the size limit is fine.
  CHECK(parse_lock_body(wrap(scope_type + R"(<D:future/><x:y xmlns:x="urn:x"/>)")));
  CHECK(parse_lock_body(wrap(scope_type + "<D:owner>" + std::string(kMaxOwnerBytes, 'x') + "</D:owner>")));
}

TEST_CASE("LOCK answer: an activelock with every element, read back with pugixml") {
  const LockClock::time_point now{};
  Lock l = sample_lock(now);
  pugi::xml_document doc = parse_xml(lock_response_body(l, "/dav/a%20b/", now + seconds(100)));
  pugi::xml_node prop = doc.child("D:prop");
  CHECK(std::string(prop.attribute("xmlns:D").value()) == "DAV:");
  pugi::xml_node a = prop.child("D:lockdiscovery").child("D:activelock");
  REQUIRE(a);
  CHECK(a.child("D:locktype").child("D:write"));
  CHECK(a.child("D:lockscope").child("D:shared"));
  CHECK_FALSE(a.child("D:lockscope").child("D:exclusive"));
  CHECK(std::string(a.child("D:depth").text().get()) == "infinity");
  CHECK(std::string(a.child("D:owner").child("D:href").text().get()) == "mailto:a&b@example.com");
  CHECK(std::string(a.child("D:timeout").text().get()) == "Second-500");  // what is left
  CHECK(std::string(a.child("D:locktoken").child("D:href").text().get()) == l.token);
  CHECK(std::string(a.child("D:lockroot").child("D:href").text().get()) == "/dav/a%20b/");
}

TEST_CASE("LOCK answer: depth 0, exclusive, no owner, rounded-up and expired timeouts, escaped href") {
  const LockClock::time_point now{};
  Lock l = sample_lock(now);
  l.scope = LockScope::Exclusive;
  l.infinite = false;
  l.owner_xml.clear();
  std::string out;
  append_activelock(out, l, "/x?<&>", now + seconds(599) + std::chrono::milliseconds(1));
  pugi::xml_document doc = parse_xml(R"(<r xmlns:D="DAV:">)" + out + "</r>");
  pugi::xml_node a = doc.child("r").child("D:activelock");
  CHECK(a.child("D:lockscope").child("D:exclusive"));
  CHECK(std::string(a.child("D:depth").text().get()) == "0");
  CHECK_FALSE(a.child("D:owner"));
  CHECK(std::string(a.child("D:timeout").text().get()) == "Second-1");
  CHECK(std::string(a.child("D:lockroot").child("D:href").text().get()) == "/x?<&>");

  std::string late;
  append_activelock(late, l, "/x", now + seconds(700));
  CHECK(late.find("<D:timeout>Second-0</D:timeout>") != std::string::npos);
}

TEST_CASE("LOCK round trip: a parsed owner renders inside lockdiscovery and reads back the same") {
  auto info = parse_lock_body(
      R"(<D:lockinfo xmlns:D="DAV:"><D:lockscope><D:exclusive/></D:lockscope><D:locktype><D:write/></D:locktype>)"
      R"(<D:owner><D:href>DOMAIN\user &lt;x&gt;</D:href></D:owner></D:lockinfo>)");
  REQUIRE(info);
  const LockClock::time_point now{};
  Lock l = sample_lock(now);
  l.owner_xml = info->owner_xml;
  Lock second = sample_lock(now);
  second.token = "urn:uuid:second";
  second.root = "";
  std::string out = R"(<D:multistatus xmlns:D="DAV:">)";
  append_lockdiscovery(out, {l, second}, [](std::string_view root) { return "/dav" + std::string(root) + "/"; }, now);
  out += "</D:multistatus>";
  pugi::xml_document doc = parse_xml(out);
  pugi::xml_node d = doc.child("D:multistatus").child("D:lockdiscovery");
  pugi::xml_node first = d.child("D:activelock");
  CHECK(std::string(first.child("D:owner").child("D:href").text().get()) == "DOMAIN\\user <x>");
  CHECK(std::string(first.child("D:lockroot").child("D:href").text().get()) == "/dav/a b/");
  pugi::xml_node next = first.next_sibling("D:activelock");
  REQUIRE(next);
  CHECK(std::string(next.child("D:locktoken").child("D:href").text().get()) == "urn:uuid:second");
  CHECK(std::string(next.child("D:lockroot").child("D:href").text().get()) == "/dav/");

  std::string none;
  append_lockdiscovery(none, {}, [](std::string_view) { return std::string(); }, now);
  CHECK(none == "<D:lockdiscovery/>");
}

TEST_CASE("supportedlock lists exclusive and shared write locks") {
  std::string out = R"(<r xmlns:D="DAV:">)";
  append_supportedlock(out);
  out += "</r>";
  pugi::xml_document doc = parse_xml(out);
  pugi::xml_node s = doc.child("r").child("D:supportedlock");
  int exclusive = 0, shared = 0;
  for (pugi::xml_node e : s.children("D:lockentry")) {
    CHECK(e.child("D:locktype").child("D:write"));
    exclusive += e.child("D:lockscope").child("D:exclusive") ? 1 : 0;
    shared += e.child("D:lockscope").child("D:shared") ? 1 : 0;
  }
  CHECK(exclusive == 1);
  CHECK(shared == 1);
}

TEST_CASE("precondition bodies name the condition and the href") {
  pugi::xml_document with = parse_xml(precondition_body("lock-token-submitted", "/dav/a&b"));
  CHECK(std::string(with.child("D:error").child("D:lock-token-submitted").child("D:href").text().get()) ==
        "/dav/a&b");
  pugi::xml_document without = parse_xml(precondition_body("lock-token-matches-request-uri"));
  CHECK(without.child("D:error").child("D:lock-token-matches-request-uri"));
}

#include <catch2/catch.hpp>

#include <pugixml.hpp>

#include <string>

#include "dav115/webdav/proppatch_request.hpp"
#include "dav115/webdav/proppatch_response.hpp"
#include "support/multistatus.hpp"

using namespace dav115::webdav;
using Action = PropPatchItem::Action;

namespace {

std::string update(const std::string& inner) {
  return R"(<?xml version="1.0" encoding="utf-8"?><D:propertyupdate xmlns:D="DAV:" xmlns:Z="urn:z">)" + inner +
         "</D:propertyupdate>";
}

// What a namespace-aware reader makes of a stored value: (namespace of the root, its text).
std::pair<std::string, std::string> read_standalone(const std::string& value_xml) {
  pugi::xml_document doc;
  REQUIRE(doc.load_string(value_xml.c_str()));
  pugi::xml_node root = doc.document_element();
  std::string qname = root.name();
  auto colon = qname.find(':');
  std::string attr = colon == std::string::npos ? "xmlns" : "xmlns:" + qname.substr(0, colon);
  return {root.attribute(attr.c_str()).value(), root.text().get()};
}

}  // namespace

TEST_CASE("set and remove come out in document order, with self-contained values") {
  auto req = parse_proppatch(update(
      R"(<D:set><D:prop><Z:a>1</Z:a></D:prop></D:set>)"
      R"(<D:remove><D:prop><Z:b/></D:prop></D:remove>)"
      R"(<D:set><D:prop><Z:c>3</Z:c><other xmlns="urn:o">x</other></D:prop></D:set>)"));
  REQUIRE(req.items.size() == 4);
  CHECK(req.items[0].action == Action::Set);
  CHECK(req.items[0].ns == "urn:z");
  CHECK(req.items[0].local == "a");
  CHECK(req.items[0].value_xml == R"(<Z:a xmlns:D="DAV:" xmlns:Z="urn:z">1</Z:a>)");
  CHECK(req.items[1].action == Action::Remove);
  CHECK(req.items[1].local == "b");
  CHECK(req.items[1].value_xml.empty());
  CHECK(req.items[2].local == "c");
  CHECK(req.items[3].ns == "urn:o");
  CHECK(read_standalone(req.items[3].value_xml) == std::pair<std::string, std::string>{"urn:o", "x"});
  for (const auto& i : req.items) {
    CHECK(i.dead);
    CHECK(i.refusal == 0);
  }
  CHECK_FALSE(req.refused());
  CHECK_FALSE(req.mtime());
}

TEST_CASE("a value keeps nested elements, prefixes declared on ancestors, xml:lang and whitespace") {
  auto req = parse_proppatch(
      R"(<D:propertyupdate xmlns:D="DAV:" xml:lang="en"><D:set xmlns:Q="urn:q"><D:prop>)"
      R"(<Q:author><Q:name>Ann &amp; Bob</Q:name><D:href>/x</D:href></Q:author><Q:space>  </Q:space>)"
      R"(</D:prop></D:set></D:propertyupdate>)");
  REQUIRE(req.items.size() == 2);
  const std::string& v = req.items[0].value_xml;
  pugi::xml_document doc;
  REQUIRE(doc.load_string(v.c_str()));  // it stands alone
  pugi::xml_node author = doc.document_element();
  CHECK(std::string(author.attribute("xmlns:Q").value()) == "urn:q");
  CHECK(std::string(author.attribute("xmlns:D").value()) == "DAV:");
  CHECK(std::string(author.attribute("xml:lang").value()) == "en");
  CHECK(std::string(author.child("Q:name").text().get()) == "Ann & Bob");
  CHECK(v.find("Ann &amp; Bob") != std::string::npos);
  CHECK(req.items[1].value_xml.find(">  </Q:space>") != std::string::npos);
}

TEST_CASE("malformed bodies, the wrong root and empty updates are parse errors") {
  const std::string bad[] = {
      "",
      "not xml",
      update("<D:set><D:prop><Z:a></D:prop></D:set>"),                      // unclosed element
      R"(<D:propfind xmlns:D="DAV:"><D:allprop/></D:propfind>)",           // wrong root
      R"(<propertyupdate><set><prop><a/></prop></set></propertyupdate>)",  // not in DAV:
      update(""),                                                          // nothing to do
      update("<D:set><D:prop><Q:a/></D:prop></D:set>"),                    // undeclared prefix
      update(R"(<D:set><D:prop><Z:a Q:attr="1"/></D:prop></D:set>)"),      // undeclared attribute prefix
      update("<D:set><D:prop><Z:a>&#xFFFE;</Z:a></D:prop></D:set>"),       // not an XML character
      update("<D:set><D:prop><Z:1a/></D:prop></D:set>"),                   // not an XML name
      R"(<!DOCTYPE x [<!ENTITY e "e">]><D:propertyupdate xmlns:D="DAV:"/>)",
  };
  for (const std::string& body : bad) {
    INFO(body);
    CHECK_THROWS_AS(parse_proppatch(body), PropPatchParseError);
  }
  std::string deep = "<Z:a>";
  for (int i = 0; i < kMaxXmlDepth; ++i) deep = "<Z:n>" + deep + "</Z:n>";
  CHECK_THROWS_AS(parse_proppatch(update("<D:set><D:prop>" + deep + "</Z:a></D:prop></D:set>")), PropPatchParseError);
}

TEST_CASE("DAV:getlastmodified becomes the client mtime, not a dead property") {
  auto req = parse_proppatch(
      update("<D:set><D:prop><D:getlastmodified> Wed, 25 Nov 2026 18:46:43 GMT </D:getlastmodified></D:prop></D:set>"));
  REQUIRE(req.items.size() == 1);
  CHECK_FALSE(req.items[0].dead);
  CHECK(req.items[0].refusal == 0);
  CHECK(req.mtime() == 1795632403);

  auto garbage = parse_proppatch(update("<D:set><D:prop><D:getlastmodified>yesterday</D:getlastmodified></D:prop></D:set>"));
  CHECK(garbage.items[0].refusal == 409);
  auto removal = parse_proppatch(update("<D:remove><D:prop><D:getlastmodified/></D:prop></D:remove>"));
  CHECK(removal.items[0].refusal == 403);
}

TEST_CASE("Windows' Win32 properties are stored as dead properties and their dates become times") {
  auto req = parse_proppatch(
      R"(<D:propertyupdate xmlns:D="DAV:" xmlns:Z="urn:schemas-microsoft-com:"><D:set><D:prop>)"
      R"(<Z:Win32CreationTime>Mon, 02 Jan 2023 03:04:05 GMT</Z:Win32CreationTime>)"
      R"(<Z:Win32LastAccessTime>Wed, 25 Nov 2026 18:46:43 GMT</Z:Win32LastAccessTime>)"
      R"(<Z:Win32LastModifiedTime>Wed, 25 Nov 2026 18:46:43 GMT</Z:Win32LastModifiedTime>)"
      R"(<Z:Win32FileAttributes>00000020</Z:Win32FileAttributes>)"
      R"(</D:prop></D:set></D:propertyupdate>)");
  REQUIRE(req.items.size() == 4);
  CHECK_FALSE(req.refused());
  for (const auto& i : req.items) {
    CHECK(i.dead);
    CHECK(i.ns == kMicrosoftNamespace);
  }
  CHECK(req.mtime() == 1795632403);
  CHECK(req.ctime() == 1672628645);
  CHECK_FALSE(req.items[1].mtime);  // last access is only kept

  // An unreadable date is still kept (Windows fails the whole copy on any error), but sets no time.
  auto odd = parse_proppatch(
      R"(<D:propertyupdate xmlns:D="DAV:"><D:set><D:prop><Win32LastModifiedTime xmlns="urn:schemas-microsoft-com:"/>)"
      R"(</D:prop></D:set></D:propertyupdate>)");
  CHECK_FALSE(odd.refused());
  CHECK(odd.items[0].dead);
  CHECK_FALSE(odd.mtime());
}

TEST_CASE("protected properties are refused with 403 and the rest of the request fails with 424") {
  for (const char* name : {"getetag", "getcontentlength", "resourcetype", "getcontenttype", "creationdate",
                           "displayname", "lockdiscovery", "supportedlock", "quota-used-bytes"}) {
    INFO(name);
    auto req = parse_proppatch(update(std::string("<D:set><D:prop><D:") + name + ">x</D:" + name + "></D:prop></D:set>"));
    CHECK(req.items[0].refusal == 403);
    CHECK_FALSE(req.items[0].dead);
  }
  auto checksums = parse_proppatch(update(R"(<D:set><D:prop><O:checksums xmlns:O="http://owncloud.org/ns"/></D:prop></D:set>)"));
  CHECK(checksums.items[0].refusal == 403);
  // DAV: properties this server does not compute are dead properties like any other.
  CHECK(parse_proppatch(update("<D:set><D:prop><D:getcontentlanguage>en</D:getcontentlanguage></D:prop></D:set>"))
            .items[0].refusal == 0);

  auto mixed = parse_proppatch(update(
      "<D:set><D:prop><Z:a>1</Z:a><D:getetag>\"x\"</D:getetag></D:prop></D:set>"
      "<D:remove><D:prop><Z:b/></D:prop></D:remove>"));
  CHECK(mixed.refused());
  CHECK(proppatch_statuses(mixed) == std::vector<PropertyStatus>{{"urn:z", "a", 424}, {"DAV:", "getetag", 403},
                                                                  {"urn:z", "b", 424}});
}

TEST_CASE("statuses: all 200, or the store's 507 on one property and 424 on the others") {
  auto req = parse_proppatch(update(
      "<D:set><D:prop><Z:a>1</Z:a><Z:big>2</Z:big></D:prop></D:set><D:set><D:prop><Z:a>again</Z:a></D:prop></D:set>"));
  CHECK(proppatch_statuses(req) == std::vector<PropertyStatus>{{"urn:z", "a", 200}, {"urn:z", "big", 200}});
  CHECK(proppatch_statuses(req, PropPatchFailure{"urn:z", "big", 507}) ==
        std::vector<PropertyStatus>{{"urn:z", "a", 424}, {"urn:z", "big", 507}});
  CHECK(proppatch_statuses(req, PropPatchFailure{"urn:z", "elsewhere", 507}) ==
        std::vector<PropertyStatus>{{"urn:z", "a", 507}, {"urn:z", "big", 507}});
}

TEST_CASE("the 207 lists each status's properties with their namespaces, readable by a client") {
  std::vector<PropertyStatus> statuses{{"urn:z", "a", 424},
                                       {"DAV:", "getetag", 403},
                                       {"", "plain", 424},
                                       {"urn:other & <co>", "b", 200},
                                       {"urn:z", "c", 507}};
  std::string body = render_proppatch_response("/dav/a%20b&c.txt", statuses);

  auto responses = dav115::test::parse_multistatus(body);  // namespace-aware, checks the characters too
  REQUIRE(responses.size() == 1);
  CHECK(responses[0].href == "/dav/a%20b&c.txt");
  CHECK(responses[0].props.count("{urn:other & <co>}b") == 1);
  CHECK(responses[0].missing.at("{urn:z}a") == "HTTP/1.1 424 Failed Dependency");
  CHECK(responses[0].missing.at("{}plain") == "HTTP/1.1 424 Failed Dependency");
  CHECK(responses[0].missing.at("{DAV:}getetag") == "HTTP/1.1 403 Forbidden");
  CHECK(responses[0].missing.at("{urn:z}c") == "HTTP/1.1 507 Insufficient Storage");

  // One propstat per status, ascending, and the 403 names its precondition.
  pugi::xml_document doc;
  REQUIRE(doc.load_string(body.c_str()));
  std::vector<std::string> order;
  for (pugi::xml_node ps : doc.document_element().child("D:response").children("D:propstat")) {
    order.push_back(ps.child("D:status").text().get());
    bool names_precondition = ps.child("D:error").child("D:cannot-modify-protected-property");
    CHECK(names_precondition == (order.back() == "HTTP/1.1 403 Forbidden"));
  }
  CHECK(order == std::vector<std::string>{"HTTP/1.1 200 OK", "HTTP/1.1 403 Forbidden", "HTTP/1.1 424 Failed Dependency",
                                          "HTTP/1.1 507 Insufficient Storage"});
}

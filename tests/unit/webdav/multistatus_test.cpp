#include <catch2/catch.hpp>

#include <pugixml.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <iterator>
#include <memory>
#include <vector>

#include <map>
#include <string>

#include "dav115/webdav/multistatus.hpp"
#include "dav115/webdav/propfind_body.hpp"
#include "dav115/webdav/xml_text.hpp"

using namespace dav115;
using namespace dav115::webdav;

namespace {

vfs::Node folder(std::string name) {
  vfs::Node n;
  n.name = std::move(name);
  n.is_dir = true;
  n.id = "2000";
  n.mtime = 1795632403;
  return n;
}

vfs::Node file(std::string name, std::uint64_t size) {
  vfs::Node n;
  n.name = std::move(name);
  n.size = size;
  n.id = "3000";
  n.mtime = 1795632403;
  n.ctime = 1795632400;
  n.sha1 = "0123456789ABCDEF0123456789ABCDEF01234567";
  return n;
}

// The parsed multistatus, keyed by href: status text -> the prop element holding that propstat.
struct Parsed {
  pugi::xml_document doc;
  std::map<std::string, std::map<std::string, pugi::xml_node>> by_href;
  std::vector<std::string> hrefs;  // in document order
};

void parse(const std::string& xml, Parsed& out) {
  auto ok = out.doc.load_string(xml.c_str());
  REQUIRE(ok);
  auto ms = out.doc.child("D:multistatus");
  REQUIRE(ms);
  CHECK(std::string(ms.attribute("xmlns:D").value()) == "DAV:");
  for (auto resp : ms.children("D:response")) {
    std::string href = resp.child_value("D:href");
    out.hrefs.push_back(href);
    for (auto ps : resp.children("D:propstat")) out.by_href[href][ps.child_value("D:status")] = ps.child("D:prop");
  }
}

constexpr const char* kOk = "HTTP/1.1 200 OK";
constexpr const char* kMissing = "HTTP/1.1 404 Not Found";

}  // namespace

TEST_CASE("allprop output is compact, well-formed and carries every standard property") {
  PropfindRequest all;  // empty body = allprop
  MultistatusWriter w(all, 3);
  w.add("/dav/", "", folder(""), true);
  w.add("/dav/", "Movies & TV", folder("Movies & TV"), false);
  w.add("/dav/Movies%20&%20TV/", "中文 #1.mkv", file("中文 #1.mkv", 1234567890123), false);
  std::string xml = w.finish();

  CHECK(xml.rfind(R"(<?xml version="1.0" encoding="utf-8"?>)", 0) == 0);
  CHECK(xml.find("\n") == std::string::npos);
  CHECK(xml.find("> <") == std::string::npos);
  CHECK(xml.find("&amp;") != std::string::npos);  // the raw '&' of the href is XML-escaped

  Parsed p;
  parse(xml, p);
  REQUIRE(p.hrefs.size() == 3);
  CHECK(p.hrefs[0] == "/dav/");
  CHECK(p.hrefs[1] == "/dav/Movies%20%26%20TV/");  // collection ends in '/'; sub-delims are encoded
  CHECK(p.hrefs[2] == "/dav/Movies%20&%20TV/%E4%B8%AD%E6%96%87%20%231.mkv");

  auto dir = p.by_href["/dav/Movies%20%26%20TV/"];
  REQUIRE(dir.count(kOk));
  CHECK(dir.size() == 1);  // nothing missing in allprop
  auto dp = dir[kOk];
  CHECK(dp.child("D:resourcetype").child("D:collection"));
  CHECK(std::string(dp.child_value("D:displayname")) == "Movies & TV");
  CHECK(std::string(dp.child_value("D:getcontentlength")) == "0");
  CHECK(std::string(dp.child_value("D:getcontenttype")) == "httpd/unix-directory");
  CHECK(std::string(dp.child_value("D:getlastmodified")) == "Wed, 25 Nov 2026 18:46:43 GMT");
  CHECK(std::string(dp.child_value("D:getetag")).front() == '"');

  auto fp = p.by_href["/dav/Movies%20&%20TV/%E4%B8%AD%E6%96%87%20%231.mkv"][kOk];
  REQUIRE(fp);
  CHECK(fp.child("D:resourcetype"));
  CHECK_FALSE(fp.child("D:resourcetype").child("D:collection"));
  CHECK(std::string(fp.child_value("D:getcontentlength")) == "1234567890123");
  CHECK(std::string(fp.child_value("D:getcontenttype")) == "video/x-matroska");
  CHECK(std::string(fp.child_value("D:creationdate")) == "2026-11-25T18:46:40Z");
  CHECK(std::string(fp.child_value("D:getetag")) == "\"0123456789ABCDEF0123456789ABCDEF01234567\"");
  CHECK(std::string(fp.child_value("D:displayname")) == "中文 #1.mkv");
  CHECK_FALSE(fp.child("D:quota-used-bytes"));
}

TEST_CASE("named props: unknown ones go into a separate 404 propstat") {
  PropfindRequest req;
  req.mode = PropfindRequest::Mode::Prop;
  req.props = {{"DAV:", "getetag"},
               {"urn:x", "nope"},
               {"", "bare"},
               {"http://owncloud.org/ns", "checksums"},
               {"DAV:", "quota-used-bytes"}};
  MultistatusWriter w(req, 2);
  w.add("/", "d", folder("d"), false);
  w.add("/d/", "f.txt", file("f.txt", 5), false);
  Parsed p;
  parse(w.finish(), p);

  auto d = p.by_href["/d/"];
  REQUIRE(d.count(kOk));
  REQUIRE(d.count(kMissing));
  CHECK(d[kOk].child("D:getetag"));
  CHECK_FALSE(d[kOk].child("D:displayname"));  // not asked
  auto dm = d[kMissing];
  CHECK(dm.child("X0:nope"));
  CHECK(std::string(p.doc.child("D:multistatus").attribute("xmlns:X0").value()) == "urn:x");
  CHECK(dm.child("bare"));
  CHECK(dm.child("O:checksums"));       // folders have no checksum
  CHECK(dm.child("D:quota-used-bytes"));  // not the root

  auto f = p.by_href["/d/f.txt"];
  REQUIRE(f.count(kOk));
  CHECK(std::string(f[kOk].child("O:checksums").child_value("O:checksum")) ==
        "SHA1:0123456789ABCDEF0123456789ABCDEF01234567");
  CHECK_FALSE(f[kMissing].child("O:checksums"));
}

TEST_CASE("quota on the root when asked") {
  PropfindRequest req;
  req.mode = PropfindRequest::Mode::Prop;
  req.props = {{"DAV:", "quota-available-bytes"}, {"DAV:", "quota-used-bytes"}};
  CHECK(asks_for_quota(req));
  vfs::Quota q{1000, 400, 600};
  MultistatusWriter w(req, 1);
  w.add("/", "", folder(""), true, &q);
  Parsed p;
  parse(w.finish(), p);
  auto ok = p.by_href["/"][kOk];
  REQUIRE(ok);
  CHECK(std::string(ok.child_value("D:quota-available-bytes")) == "600");
  CHECK(std::string(ok.child_value("D:quota-used-bytes")) == "400");

  PropfindRequest all;
  CHECK_FALSE(asks_for_quota(all));
}

TEST_CASE("propname lists names without values") {
  PropfindRequest req;
  req.mode = PropfindRequest::Mode::PropName;
  MultistatusWriter w(req, 1);
  w.add("/", "f.txt", file("f.txt", 5), false);
  Parsed p;
  parse(w.finish(), p);
  auto ok = p.by_href["/f.txt"][kOk];
  REQUIRE(ok);
  CHECK(ok.child("D:getetag"));
  CHECK(std::string(ok.child_value("D:getetag")).empty());
  CHECK(ok.child("O:checksums"));
  CHECK_FALSE(ok.child("D:quota-used-bytes"));
}

TEST_CASE("each client namespace is declared once per response, however many properties and entries") {
  // The shape of the issue-9 attack: thousands of properties in one very long namespace.
  const std::string ns = "urn:" + std::string(30000, 'n');
  PropfindRequest req;
  req.mode = PropfindRequest::Mode::Prop;
  for (int i = 0; i < 3600; ++i) req.props.push_back({ns, "p" + std::to_string(i)});
  req.props.push_back({"urn:other", "q"});
  MultistatusWriter w(req, 3);
  w.add("/", "", folder(""), true);
  w.add("/", "a.txt", file("a.txt", 1), false);
  w.add("/", "b.txt", file("b.txt", 1), false);
  std::string xml = w.finish();
  CHECK(xml.find(ns) == xml.rfind(ns));  // exactly once
  CHECK(xml.size() < ns.size() + 3 * 3601 * 16 + 4096);  // ~ "<X0:p1234/>" per property per entry
  Parsed p;
  parse(xml, p);
  auto ms = p.doc.child("D:multistatus");
  CHECK(std::string(ms.attribute("xmlns:X0").value()) == ns);
  CHECK(std::string(ms.attribute("xmlns:X1").value()) == "urn:other");
  for (const char* href : {"/", "/a.txt", "/b.txt"}) {
    auto missing = p.by_href[href][kMissing];
    REQUIRE(missing);
    CHECK(std::distance(missing.children().begin(), missing.children().end()) == 3601);
    CHECK(missing.child("X0:p3599"));
    CHECK(missing.child("X1:q"));
  }
}

TEST_CASE("names that are not XML text are shown with U+FFFD, never emitted raw") {
  PropfindRequest all;
  MultistatusWriter w(all, 3);
  w.add("/", "bad\xFF" "name", file("bad\xFF" "name", 1), false);
  w.add("/", "nonchar\xEF\xBF\xBE", file("nonchar\xEF\xBF\xBE", 1), false);
  w.add("/", "ctl\x01", folder("ctl\x01"), false);
  std::string xml = w.finish();
  CHECK(is_xml_text(xml));
  Parsed p;
  parse(xml, p);
  REQUIRE(p.hrefs.size() == 3);
  CHECK(std::string(p.by_href[p.hrefs[0]][kOk].child_value("D:displayname")) == "bad\xEF\xBF\xBDname");
  CHECK(std::string(p.by_href[p.hrefs[1]][kOk].child_value("D:displayname")) == "nonchar\xEF\xBF\xBD");
  CHECK(std::string(p.by_href[p.hrefs[2]][kOk].child_value("D:displayname")) == "ctl\xEF\xBF\xBD");
  CHECK(p.hrefs[0] == "/bad%FFname");  // hrefs are percent-encoded bytes: ASCII, and GET finds the file
}

TEST_CASE("allprop carries quota on the mount root only; allprop+include reports it missing elsewhere") {
  PropfindRequest all;
  vfs::Quota q{1000, 400, 600};
  MultistatusWriter w(all, 2);
  w.add("/", "", folder(""), true, &q);
  w.add("/", "d", folder("d"), false);
  Parsed p;
  parse(w.finish(), p);
  auto root = p.by_href["/"];
  CHECK(std::string(root[kOk].child_value("D:quota-available-bytes")) == "600");
  CHECK(std::string(root[kOk].child_value("D:quota-used-bytes")) == "400");
  auto d = p.by_href["/d/"];
  CHECK(d.count(kMissing) == 0);  // allprop does not 404 what it did not name
  CHECK_FALSE(d[kOk].child("D:quota-used-bytes"));

  PropfindRequest include;
  include.props = {{"DAV:", "quota-used-bytes"}};
  MultistatusWriter wi(include, 1);
  wi.add("/", "d", folder("d"), false);
  Parsed pi;
  parse(wi.finish(), pi);
  CHECK(pi.by_href["/d/"][kMissing].child("D:quota-used-bytes"));
}

TEST_CASE("a streamed body is the same document as the one rendered at once") {
  PropfindRequest req;
  req.mode = PropfindRequest::Mode::Prop;
  for (int i = 0; i < 50; ++i) req.props.push_back({"urn:long-enough-namespace", "property-" + std::to_string(i)});
  auto listing = std::make_shared<vfs::Listing>();
  for (int i = 0; i < 3000; ++i) listing->entries.push_back(file("file " + std::to_string(i) + ".mkv", 100 + i));

  auto parts = [&] {
    PropfindBody::Parts p;
    p.parent_href = "/dav/";
    p.self_segment = "Movies";
    p.self = folder("Movies");
    p.listing = listing;
    return p;
  };
  PropfindBody whole(req, parts());
  whole.render(SIZE_MAX);
  REQUIRE(whole.complete());
  const std::string expected = whole.take_all();
  REQUIRE(expected.size() > 2 * kBufferedBytes);

  PropfindBody streamed(req, parts());
  streamed.render(kBufferedBytes);
  CHECK_FALSE(streamed.complete());
  std::string got;
  std::vector<char> chunk(64 * 1024);
  boost::asio::io_context io;
  for (int reads = 0; reads < 100000; ++reads) {
    std::size_t n = 0;
    boost::asio::co_spawn(io, streamed.read(boost::asio::buffer(chunk)), [&](std::exception_ptr e, std::size_t r) {
      REQUIRE_FALSE(e);
      n = r;
    });
    io.restart();
    io.run();
    if (n == 0) break;
    got.append(chunk.data(), n);
  }
  CHECK(got.size() == expected.size());
  CHECK(got == expected);
}

#include <catch2/catch.hpp>

#include <pugixml.hpp>

#include <map>
#include <string>

#include "dav115/webdav/multistatus.hpp"

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
  CHECK(dm.child("X:nope"));
  CHECK(std::string(dm.child("X:nope").attribute("xmlns:X").value()) == "urn:x");
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

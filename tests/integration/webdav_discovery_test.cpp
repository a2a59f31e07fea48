// WebDAV discovery against the real binaries: OPTIONS, PROPFIND variants, auth, errors, health and metrics.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "support/fake115.hpp"
#include "support/gateway.hpp"
#include "support/multistatus.hpp"

using namespace dav115::test;

namespace {
const std::string kAllprop = R"(<?xml version="1.0" encoding="utf-8"?><D:propfind xmlns:D="DAV:"><D:allprop/></D:propfind>)";

const DavResponse* find_href(const std::vector<DavResponse>& rs, const std::string& href) {
  for (const auto& r : rs)
    if (r.href == href) return &r;
  return nullptr;
}
}  // namespace

TEST_CASE("discovery: OPTIONS, PROPFIND and errors as clients need them") {
  Fake115 emu;
  Gateway gw(emu);

  SECTION("OPTIONS needs no credentials, on / and on deep paths") {
    for (std::string path : {"/", "/docs/", "/no/such/thing"}) {
      auto r = http("OPTIONS", gw.base_url() + path);
      INFO(path);
      CHECK(r.status == 200);
      CHECK(r.header("DAV").find('1') != std::string::npos);
      CHECK(r.header("MS-Author-Via") == "DAV");
      CHECK(r.header("Allow").find("PROPFIND") != std::string::npos);
    }
  }

  SECTION("PROPFIND without credentials is challenged") {
    auto r = http("PROPFIND", gw.dav_url(), {{"Depth", "0"}});
    CHECK(r.status == 401);
    CHECK(r.header("WWW-Authenticate").rfind("Basic", 0) == 0);
    auto bad = http("PROPFIND", gw.dav_url(), {{"Depth", "0"}, {"Authorization", "Basic !!!not-base64"}});
    CHECK(bad.status == 401);
  }

  SECTION("Depth 1 on the root lists the fixture's top level with the standard properties") {
    auto r = dav(gw, "PROPFIND", "/", {{"Depth", "1"}});
    REQUIRE(r.status == 207);
    auto rs = parse_multistatus(r.body);
    const auto* self = find_href(rs, "/");
    REQUIRE(self != nullptr);
    CHECK(self->is_collection);
    const auto* docs = find_href(rs, "/docs/");
    REQUIRE(docs != nullptr);
    CHECK(docs->is_collection);
    const auto* hello = find_href(rs, "/hello.txt");
    REQUIRE(hello != nullptr);
    CHECK_FALSE(hello->is_collection);
    CHECK(hello->props.at("{DAV:}getcontentlength") == std::to_string(emu.entry("hello.txt")["size"].get<long long>()));
    CHECK(hello->props.at("{DAV:}displayname") == "hello.txt");
    CHECK(hello->props.at("{DAV:}getlastmodified").find("GMT") != std::string::npos);
    CHECK(hello->props.at("{DAV:}creationdate").back() == 'Z');
    std::string etag = hello->props.at("{DAV:}getetag");
    CHECK(etag.front() == '"');
    CHECK(etag.find("W/") == std::string::npos);
    // Every top-level fixture entry is there, once.
    std::size_t top = 0;
    nlohmann::json entries = emu.tree()["entries"];
    for (const auto& e : entries)
      if (e["path"].get<std::string>().find('/') == std::string::npos) ++top;
    CHECK(rs.size() == top + 1);
  }

  SECTION("named props with odd prefixes and an unknown property") {
    std::string body =
        R"(<?xml version="1.0"?><x:propfind xmlns:x="DAV:" xmlns:z="urn:nope"><x:prop><x:getcontentlength/><x:resourcetype/><z:color/></x:prop></x:propfind>)";
    auto r = dav(gw, "PROPFIND", "/hello.txt", {{"Depth", "0"}, {"Content-Type", "application/xml"}}, body);
    REQUIRE(r.status == 207);
    auto rs = parse_multistatus(r.body);
    REQUIRE(rs.size() == 1);
    CHECK(rs[0].props.count("{DAV:}getcontentlength") == 1);
    CHECK(rs[0].props.count("{DAV:}displayname") == 0);
    REQUIRE(rs[0].missing.count("{urn:nope}color") == 1);
    CHECK(rs[0].missing.at("{urn:nope}color").find("404") != std::string::npos);
  }

  SECTION("owncloud checksums carry the upstream SHA-1 when asked") {
    std::string body =
        R"(<?xml version="1.0"?><d:propfind xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns"><d:prop><oc:checksums/><d:getetag/></d:prop></d:propfind>)";
    auto r = dav(gw, "PROPFIND", "/hello.txt", {{"Depth", "0"}}, body);
    REQUIRE(r.status == 207);
    auto rs = parse_multistatus(r.body);
    REQUIRE(rs.size() == 1);
    std::string sha1 = emu.entry("hello.txt")["sha1"];
    CHECK(rs[0].props.at("{http://owncloud.org/ns}checksums").find("SHA1:" + sha1) != std::string::npos);
    CHECK(rs[0].props.at("{DAV:}getetag").find(sha1) != std::string::npos);
  }

  SECTION("a collection without its trailing slash is answered, not redirected") {
    auto r = dav(gw, "PROPFIND", "/docs", {{"Depth", "0"}}, kAllprop);
    CHECK(r.status == 207);
    auto rs = parse_multistatus(r.body);
    REQUIRE(rs.size() == 1);
    CHECK(rs[0].is_collection);
  }

  SECTION("missing resources are a plain 404") {
    auto r = dav(gw, "PROPFIND", "/docs/nope.txt", {{"Depth", "0"}});
    CHECK(r.status == 404);
    CHECK(r.body.find("multistatus") == std::string::npos);
  }

  SECTION("Depth infinity is refused with propfind-finite-depth") {
    auto r = dav(gw, "PROPFIND", "/", {{"Depth", "infinity"}});
    CHECK(r.status == 403);
    CHECK(r.body.find("propfind-finite-depth") != std::string::npos);
  }

  SECTION("bad bodies and paths are 400, writes are 405 with Allow") {
    CHECK(dav(gw, "PROPFIND", "/", {{"Depth", "0"}}, "<D:propfind xmlns:D=\"DAV:\"><D:prop>").status == 400);
    CHECK(dav(gw, "PROPFIND", "/", {{"Depth", "0"}},
              "<!DOCTYPE x [<!ENTITY a \"b\">]><D:propfind xmlns:D=\"DAV:\"><D:allprop/></D:propfind>")
              .status == 400);
    CHECK(dav(gw, "PROPFIND", "/%2e%2e/etc/passwd", {{"Depth", "0"}}).status == 400);
    CHECK(dav(gw, "PROPFIND", "/docs%2f..%2f..", {{"Depth", "0"}}).status == 400);
    // On a read-only gateway the writes are 405 with Allow (writable ones: webdav_writes_test).
    Gateway ro(emu, {{"read_only", true}});
    auto put = dav(ro, "PUT", "/new.txt", {}, "hello");
    CHECK(put.status == 405);
    CHECK_FALSE(put.header("Allow").empty());
    CHECK(dav(ro, "MKCOL", "/newdir/").status == 405);
  }

  SECTION("quota properties on the root") {
    std::string body =
        R"(<?xml version="1.0"?><propfind xmlns="DAV:"><prop><quota-available-bytes/><quota-used-bytes/></prop></propfind>)";
    auto r = dav(gw, "PROPFIND", "/", {{"Depth", "0"}}, body);
    REQUIRE(r.status == 207);
    auto rs = parse_multistatus(r.body);
    REQUIRE(rs.size() == 1);
    REQUIRE(rs[0].props.count("{DAV:}quota-used-bytes") == 1);
    CHECK(std::stoull(rs[0].props.at("{DAV:}quota-available-bytes")) > 0);
  }

  SECTION("/healthz and /metrics") {
    auto h = http("GET", gw.base_url() + "/healthz");
    CHECK(h.status == 200);
    auto j = nlohmann::json::parse(h.body);
    CHECK(j["token"]["state"] == "valid");
    dav(gw, "PROPFIND", "/", {{"Depth", "0"}});
    auto m = http("GET", gw.base_url() + "/metrics");
    CHECK(m.status == 200);
    CHECK(m.body.find("dav115_http_requests_total") != std::string::npos);
    CHECK(m.body.find("dav115_upstream_calls_total") != std::string::npos);
  }
}

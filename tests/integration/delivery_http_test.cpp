// File delivery as plain HTTP clients see it: curl range reads under local_proxy, HEAD and conditional
// requests answered from metadata, empty files, the HTML index of a folder, the User-Agent rules, and
// the one-downurl-per-(file, User-Agent) economy of the redirect policy.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>
#include <openssl/sha.h>

#include <algorithm>
#include <cctype>
#include <regex>

#include "support/digest.hpp"
#include "support/fake115.hpp"
#include "support/gateway.hpp"
#include "support/multistatus.hpp"

using namespace dav115::test;
using nlohmann::json;

namespace {

std::size_t calls_to(Fake115& emu, const std::string& path, std::uint64_t since) {
  std::size_t n = 0;
  for (const auto& c : emu.calls(since))
    if (c["path"] == path) ++n;
  return n;
}

// One curl GET with the test user's credentials; the status, the raw header block and the body.
struct CurlResult {
  int status = 0;
  std::string headers, body;
  std::string header(const std::string& name) const {
    std::smatch m;
    std::regex re("(^|\n)" + name + ":[ \t]*([^\r\n]*)", std::regex::icase);
    return std::regex_search(headers, m, re) ? m[2].str() : "";
  }
};

CurlResult curl_get(Gateway& gw, const std::string& path, const std::vector<std::string>& extra = {}) {
  std::string dir = temp_dir("curl");
  std::vector<std::string> argv = {"curl", "-sS", "-u", std::string(Gateway::kUser) + ":" + Gateway::kPassword,
                                   "-D", dir + "/h", "-o", dir + "/b", "-w", "%{http_code}"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  argv.push_back(gw.dav_url() + path);
  auto res = run_command(argv, std::chrono::seconds(60));
  INFO(res.err);
  REQUIRE(res.exit_code == 0);
  return {std::stoi(res.out), read_text_file(dir + "/h"), read_text_file(dir + "/b")};
}

}  // namespace

TEST_CASE("curl range reads under local_proxy: status, headers and bytes") {
  Fake115 emu;
  Gateway gw(emu, {{"delivery", {{"policy", "local_proxy"}}}});
  const json entry = emu.entry("sizes/1m7.bin");
  const std::uint64_t size = entry["size"];
  REQUIRE(size == 1048583);

  auto full = curl_get(gw, "sizes/1m7.bin");
  REQUIRE(full.status == 200);
  REQUIRE(full.body.size() == size);
  CHECK(sha1_hex(full.body) == lower(entry["sha1"]));
  CHECK(full.header("Content-Length") == std::to_string(size));
  CHECK(full.header("Accept-Ranges") == "bytes");
  CHECK(!full.header("ETag").empty());

  SECTION("bytes=0-0") {
    auto r = curl_get(gw, "sizes/1m7.bin", {"-H", "Range: bytes=0-0"});
    CHECK(r.status == 206);
    CHECK(r.header("Content-Range") == "bytes 0-0/" + std::to_string(size));
    CHECK(r.header("Content-Length") == "1");
    CHECK(r.body == full.body.substr(0, 1));
  }
  SECTION("bytes=N-M in the middle") {
    auto r = curl_get(gw, "sizes/1m7.bin", {"-H", "Range: bytes=500000-765432"});
    CHECK(r.status == 206);
    CHECK(r.header("Content-Range") == "bytes 500000-765432/" + std::to_string(size));
    CHECK(r.header("Content-Length") == "265433");
    CHECK(r.body == full.body.substr(500000, 265433));
  }
  SECTION("bytes=-N suffix") {
    auto r = curl_get(gw, "sizes/1m7.bin", {"-H", "Range: bytes=-1000"});
    CHECK(r.status == 206);
    CHECK(r.header("Content-Range") ==
          "bytes " + std::to_string(size - 1000) + "-" + std::to_string(size - 1) + "/" + std::to_string(size));
    CHECK(r.body == full.body.substr(size - 1000));
  }
  SECTION("an open range running past the end is clipped") {
    auto r = curl_get(gw, "sizes/1m7.bin", {"-H", "Range: bytes=1048000-99999999"});
    CHECK(r.status == 206);
    CHECK(r.header("Content-Range") == "bytes 1048000-1048582/" + std::to_string(size));
    CHECK(r.body == full.body.substr(1048000));
  }
  SECTION("a range starting past the end is 416 with bytes */size") {
    auto r = curl_get(gw, "sizes/1m7.bin", {"-H", "Range: bytes=" + std::to_string(size) + "-"});
    CHECK(r.status == 416);
    CHECK(r.header("Content-Range") == "bytes */" + std::to_string(size));
  }
  SECTION("If-Range with the current ETag honours the range; a stale one gets the whole file") {
    std::string etag = full.header("ETag");
    auto r = curl_get(gw, "sizes/1m7.bin", {"-H", "Range: bytes=10-19", "-H", "If-Range: " + etag});
    CHECK(r.status == 206);
    CHECK(r.body == full.body.substr(10, 10));
    auto stale = curl_get(gw, "sizes/1m7.bin", {"-H", "Range: bytes=10-19", "-H", "If-Range: \"not-the-etag\""});
    CHECK(stale.status == 200);
    CHECK(stale.body.size() == size);
  }
}

TEST_CASE("HEAD and conditional requests are answered from metadata, without a 115 call") {
  Fake115 emu;
  Gateway gw(emu);  // redirect: any 115 call would be a downurl
  auto ms = dav(gw, "PROPFIND", "sizes/", {{"Depth", "1"}});
  REQUIRE(ms.status == 207);
  std::string propfind_etag;
  for (const auto& r : parse_multistatus(ms.body))
    if (r.href.find("128k.bin") != std::string::npos) propfind_etag = r.props.at("{DAV:}getetag");
  REQUIRE(!propfind_etag.empty());
  std::uint64_t since = emu.stats()["last_seq"];

  auto head = dav(gw, "HEAD", "sizes/128k.bin");
  CHECK(head.status == 200);
  CHECK(head.header("Content-Length") == "131072");
  CHECK(head.header("Accept-Ranges") == "bytes");
  CHECK(head.header("ETag") == propfind_etag);
  CHECK(!head.header("Last-Modified").empty());
  CHECK(!head.header("Content-Type").empty());
  CHECK(head.body.empty());

  auto not_modified = dav(gw, "GET", "sizes/128k.bin", {{"If-None-Match", propfind_etag}});
  CHECK(not_modified.status == 304);
  // A 304 may only carry the length a 200 would have (RFC 9110 §8.6), never "0".
  auto head_not_modified = dav(gw, "HEAD", "sizes/128k.bin", {{"If-None-Match", propfind_etag}});
  CHECK(head_not_modified.status == 304);
  CHECK((!head_not_modified.has_header("Content-Length") || head_not_modified.header("Content-Length") == "131072"));
  auto not_modified_since =
      dav(gw, "GET", "sizes/128k.bin", {{"If-Modified-Since", head.header("Last-Modified")}});
  CHECK(not_modified_since.status == 304);
  auto failed = dav(gw, "GET", "sizes/128k.bin", {{"If-Match", "\"something-else\""}});
  CHECK(failed.status == 412);
  auto failed_since = dav(gw, "GET", "sizes/128k.bin", {{"If-Unmodified-Since", "Mon, 01 Jan 2001 00:00:00 GMT"}});
  CHECK(failed_since.status == 412);

  auto empty = dav(gw, "GET", "sizes/empty.bin");
  CHECK(empty.status == 200);
  CHECK(empty.body.empty());
  CHECK(empty.header("Content-Length") == "0");

  CHECK(emu.calls(since).empty());  // no 115 call of any kind, let alone downurl
}

TEST_CASE("200 ranged GETs by one User-Agent under redirect cost one downurl; the link works for that UA") {
  Fake115 emu;
  Gateway gw(emu);
  REQUIRE(dav(gw, "PROPFIND", "sizes/", {{"Depth", "1"}}).status == 207);
  std::uint64_t since = emu.stats()["last_seq"];
  const HttpHeaders ua = {{"User-Agent", "TestPlayer/1.0"}};

  HttpConnection conn(gw.base_url());
  std::string location;
  int redirects = 0;
  for (int i = 0; i < 200; ++i) {
    HttpHeaders h = Gateway::auth(ua);
    h.emplace_back("Range", "bytes=" + std::to_string(i * 100) + "-" + std::to_string(i * 100 + 99));
    auto r = conn.request("GET", "/sizes/128k.bin", h);
    if (r.status == 302) ++redirects;
    if (i == 0) {
      location = r.header("Location");
      CHECK(r.header("Cache-Control") == "no-store");
      CHECK(r.header("Referrer-Policy") == "no-referrer");
    } else if (r.header("Location") != location) {
      FAIL_CHECK("the link changed at request " << i);
    }
  }
  CHECK(redirects == 200);
  CHECK(calls_to(emu, "/open/ufile/downurl", since) == 1);
  for (const auto& c : emu.calls(since))
    if (c["path"] == "/open/ufile/downurl") CHECK(c["user_agent"] == "TestPlayer/1.0");

  for (int i = 0; i < 20; ++i) REQUIRE(conn.request("HEAD", "/sizes/128k.bin", Gateway::auth(ua)).status == 200);
  CHECK(calls_to(emu, "/open/ufile/downurl", since) == 1);

  // The player follows the link with its own User-Agent (and no gateway credentials).
  auto cdn = http("GET", location, {{"User-Agent", "TestPlayer/1.0"}, {"Range", "bytes=100-199"}});
  CHECK(cdn.status == 206);
  CHECK(cdn.body.size() == 100);

  // Another player gets its own link.
  auto other = dav(gw, "GET", "sizes/128k.bin", {{"User-Agent", "OtherPlayer/2.0"}});
  CHECK(other.status == 302);
  CHECK(other.header("Location") != location);
  CHECK(calls_to(emu, "/open/ufile/downurl", since) == 2);
}

TEST_CASE("Windows WebDAV clients get local_proxy under the default rules") {
  Fake115 emu;
  Gateway gw(emu);  // default policy: redirect
  const json entry = emu.entry("sizes/128k.bin");
  for (std::string ua : {"Microsoft-WebDAV-MiniRedir/10.0.19045", "DavClnt"}) {
    INFO(ua);
    auto r = dav(gw, "GET", "sizes/128k.bin", {{"User-Agent", ua}});
    CHECK(r.status == 200);
    CHECK(!r.has_header("Location"));
    CHECK(sha1_hex(r.body) == lower(entry["sha1"]));
  }
  auto browser = dav(gw, "GET", "sizes/128k.bin", {{"User-Agent", "Mozilla/5.0"}});
  CHECK(browser.status == 302);
}

TEST_CASE("local_proxy fetches with the gateway's User-Agent and never forwards the client's credentials") {
  Fake115 emu;
  Gateway gw(emu, {{"delivery", {{"policy", "local_proxy"}}}});
  std::uint64_t since = emu.stats()["last_seq"];
  auto r = dav(gw, "GET", "sizes/128k.bin", {{"User-Agent", "SomePlayer/3"}, {"Cookie", "session=secret-cookie"}});
  REQUIRE(r.status == 200);
  CHECK(!r.has_header("Set-Cookie"));
  std::size_t cdn_gets = 0;
  for (const auto& c : emu.calls(since)) {
    if (c["path"] != "/cdn") continue;
    ++cdn_gets;
    CHECK(c["user_agent"] == "dav115-test");  // cloud115.user_agent, which the link was minted for
    // The emulator records no other request headers, so Authorization/Cookie forwarding is checked in the
    // delivery unit tests (proxy_body_test: saw_forbidden_headers) rather than here.
    CHECK(c.dump().find("secret-cookie") == std::string::npos);
  }
  CHECK(cdn_gets >= 1);
}

TEST_CASE("GET on a collection gives an HTML index whose links work") {
  Fake115 emu;
  for (std::string policy : {"redirect", "local_proxy"}) {
    INFO(policy);
    Gateway gw(emu, {{"delivery", {{"policy", policy}}}});
    for (const HttpHeaders& h : {HttpHeaders{{"Accept", "text/html"}}, HttpHeaders{{"Accept", "*/*"}}}) {
      auto r = dav(gw, "GET", "sizes/", h);
      REQUIRE(r.status == 200);
      CHECK(r.header("Content-Type").find("text/html") == 0);
      CHECK(r.body.find("128k.bin") != std::string::npos);
      CHECK(r.body.find("1m7.bin") != std::string::npos);
    }
    auto page = dav(gw, "GET", "special%20chars/").body;
    std::regex href_re("href=\"([^\"]+)\"");
    int files_followed = 0;
    for (auto it = std::sregex_iterator(page.begin(), page.end(), href_re); it != std::sregex_iterator(); ++it) {
      std::string href = (*it)[1];
      if (href.find("://") != std::string::npos || href.find("..") == 0 || href.back() == '/') continue;
      std::string rel = href.rfind("./", 0) == 0 ? href.substr(2) : href;
      // HTML attribute escaping of '&' is undone before the link is used, as a browser does.
      rel = std::regex_replace(rel, std::regex("&amp;"), "&");
      rel = std::regex_replace(rel, std::regex("&#39;"), "'");
      auto f = dav(gw, "GET", "special%20chars/" + rel);
      INFO(href);
      CHECK((f.status == 200 || f.status == 302));
      ++files_followed;
    }
    CHECK(files_followed == 7);
  }
}

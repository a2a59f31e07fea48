// Hostile client input against the real binaries: traversal and encoding tricks, Destination headers,
// XML bombs, oversized heads and bodies, and headers or parameters that try to pick the upstream host.
// Every case asserts the status and that the server is still healthy afterwards.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>

#include "support/fake115.hpp"
#include "support/gateway.hpp"
#include "support/multistatus.hpp"

using namespace dav115::test;
using nlohmann::json;

namespace {

// The server still answers normal requests: a PROPFIND of the mount root and the health check.
void require_healthy(Gateway& gw) {
  auto pf = dav(gw, "PROPFIND", "/", {{"Depth", "1"}});
  REQUIRE(pf.status == 207);
  REQUIRE(parse_multistatus(pf.body).size() > 1);
  REQUIRE(http("GET", gw.base_url() + "/healthz").status == 200);
}

// One request with the test user's credentials and a raw (not re-encoded) request target.
HttpResult raw_target(Gateway& gw, const std::string& method, const std::string& target, HttpHeaders headers = {},
                      const std::string& body = "") {
  HttpConnection conn(gw.base_url());
  return conn.request(method, target, Gateway::auth(std::move(headers)), body);
}

// Sends `head` and then at most `body_bytes` of `body_piece` repeated, ignoring a refusal to take more,
// and returns what the server answered (read until it closes, at most 10 s). The test client proper would
// insist on writing the whole body before reading, which an early 413 legitimately cuts short.
std::string early_answer(const std::string& base_url, const std::string& head, const std::string& body_piece,
                         std::size_t body_bytes) {
  int port = std::stoi(base_url.substr(base_url.rfind(':') + 1));
  int fd = connect_loopback(port);
  if (fd < 0) return "";
  ::send(fd, head.data(), head.size(), MSG_NOSIGNAL);
  for (std::size_t sent = 0; sent < body_bytes; sent += body_piece.size())
    if (::send(fd, body_piece.data(), body_piece.size(), MSG_NOSIGNAL) < 0) break;
  std::string out;
  char buf[4096];
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 200) <= 0) continue;
    auto n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return out;
}

std::string repeat(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

}  // namespace

TEST_CASE("traversal and encoding tricks are 400 and never reach outside the mount") {
  Fake115 emu;
  Gateway gw(emu, {{"mount_path", "/dav/"}});
  require_healthy(gw);
  const std::uint64_t seq_before = emu.stats()["last_seq"];

  const char* bad[] = {
      "/dav/../",                 "/dav/../../etc/passwd",     "/dav/docs/../../",     "/dav/%2e%2e/",
      "/dav/%2E%2E/docs/",        "/dav/.%2e/",                "/dav/docs/%2e%2e/%2e%2e/etc/passwd",
      "/dav/./docs/",             "/dav/docs%2f..%2f..%2f",   "/dav/a%2fb",           "/dav/a%2Fb/",
      "/dav/a%5cb",               "/dav/..%5c..%5cwin.ini",    "/dav/a%00b",           "/dav/hello.txt%00.jpg",
      "/dav/a%0d%0aSet-Cookie:x", "/dav/%c0%ae%c0%ae/",        "/dav/%c0%af",          "/dav/%e0%80%ae%e0%80%ae/",
      "/dav/%ff%fe",              "/dav/%ed%a0%80",            "/dav/%e2%82",          "/dav/%252e%252e/",
      "/dav/%252e%252e%252fetc",  "/dav/a%252fb",              "/dav/%25252e%25252e/", "/dav/%",
      "/dav/%zz",
  };
  for (const char* target : bad) {
    for (const char* method : {"PROPFIND", "GET", "HEAD"}) {
      auto r = raw_target(gw, method, target, {{"Depth", "1"}});
      INFO(method << " " << target << " -> " << r.status << " " << r.body);
      CHECK(r.status == 400);
      CHECK(r.header("Location").empty());
    }
  }
  // Paths outside the mount are simply not found, whatever the encoding of the mount itself.
  for (const char* target : {"/etc/passwd", "/dav%2f..%2fetc", "/DAV/", "/hello.txt", "/%2e%2e/dav/",
                             "/../dav/hello.txt"}) {
    auto r = raw_target(gw, "GET", target);
    INFO(target << " -> " << r.status);
    CHECK((r.status == 404 || r.status == 400));
    CHECK(r.header("Location").empty());
  }
  // Nothing above needed the API: refused before any lookup.
  CHECK(emu.calls(seq_before).empty());
  // An escaped unreserved character is the character itself (RFC 3986 §6.2.2.2): one decoder for the
  // router and the handlers means "/%64av/" is the mount, exactly like "/dav/".
  CHECK(raw_target(gw, "GET", "/%64av/").status == raw_target(gw, "GET", "/dav/").status);
  require_healthy(gw);
}

TEST_CASE("COPY/MOVE and other writes with traversal Destinations are refused and never act") {
  Fake115 emu;
  Gateway gw(emu, {{"mount_path", "/dav/"}});
  require_healthy(gw);
  const std::uint64_t seq_before = emu.stats()["last_seq"];
  const std::string self = gw.base_url();
  // Destinations that escape the mount or this server, or are malformed: 400, or 502 for another host.
  const std::string bad_destinations[] = {self + "/dav/../../etc/passwd", self + "/dav/%2e%2e/%2e%2e/x",
                                          "http://evil.example/steal", "file:///etc/passwd", self + "/dav/a%00b",
                                          self + "/../outside"};
  for (const char* method : {"COPY", "MOVE"}) {
    for (const auto& dest : bad_destinations) {
      auto r = raw_target(gw, method, "/dav/hello.txt", {{"Destination", dest}, {"Overwrite", "T"}}, "x");
      INFO(method << " Destination: " << dest << " -> " << r.status);
      CHECK((r.status == 400 || r.status == 502));
      CHECK(r.header("Location").empty());
    }
  }
  // A traversal request target is refused whatever the method, before anything is read or written.
  for (const char* method : {"COPY", "MOVE", "PUT", "DELETE", "MKCOL", "PROPPATCH", "LOCK", "UNLOCK"}) {
    auto r = raw_target(gw, method, "/dav/%2e%2e/hello.txt",
                        {{"Destination", self + "/dav/docs/copy.txt"}, {"Overwrite", "T"}}, "x");
    INFO(method << " -> " << r.status);
    CHECK(r.status == 400);
  }
  // No upstream write at all (reads to resolve a path are allowed).
  for (const auto& c : emu.calls(seq_before)) {
    std::string path = c["path"];
    INFO(path);
    CHECK((path == "/open/ufile/files" || path == "/open/folder/get_info"));
  }
  auto tree = emu.tree()["entries"];
  for (const auto& e : tree) CHECK(e["name"] != "copy.txt");
  require_healthy(gw);
}

TEST_CASE("XML bombs, odd namespaces and oversized bodies are refused quickly") {
  Fake115 emu;
  Gateway gw(emu);
  require_healthy(gw);

  auto propfind = [&](const std::string& body, HttpHeaders extra = {}) {
    extra.emplace_back("Depth", "0");
    extra.emplace_back("Content-Type", "application/xml");
    auto started = std::chrono::steady_clock::now();
    auto r = dav(gw, "PROPFIND", "/", extra, body, {std::chrono::seconds(20)});
    auto took = std::chrono::steady_clock::now() - started;
    // "Quickly": far below any timeout, generous for 2 busy cores. Not a benchmark.
    CHECK(took < std::chrono::seconds(10));
    return r;
  };

  SECTION("XXE") {
    auto r = propfind(R"(<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>)"
                      R"(<D:propfind xmlns:D="DAV:"><D:prop><D:displayname>&x;</D:displayname></D:prop></D:propfind>)");
    CHECK(r.status == 400);
    CHECK(r.body.find("root:") == std::string::npos);
  }
  SECTION("billion laughs") {
    std::string dtd = R"(<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol0 "lol">)";
    for (int i = 1; i < 10; ++i)
      dtd += "<!ENTITY lol" + std::to_string(i) + " \"" + repeat("&lol" + std::to_string(i - 1) + ";", 10) + "\">";
    auto r = propfind(dtd + R"(]><D:propfind xmlns:D="DAV:"><D:prop><x>&lol9;</x></D:prop></D:propfind>)");
    CHECK(r.status == 400);
  }
  SECTION("nesting deeper than 64") {
    auto r = propfind(R"(<D:propfind xmlns:D="DAV:"><D:prop>)" + repeat("<a>", 100) + repeat("</a>", 100) +
                      "</D:prop></D:propfind>");
    CHECK(r.status == 400);
    auto deep = propfind(repeat("<x>", 5000) + repeat("</x>", 5000));
    CHECK(deep.status == 400);
  }
  SECTION("a prefix bound to the empty namespace") {
    auto r = propfind(R"(<D:propfind xmlns:D="DAV:" xmlns:x=""><D:prop><D:displayname/></D:prop></D:propfind>)");
    CHECK((r.status == 400 || r.status == 207));  // refused, or harmlessly ignored; never a crash
  }
  SECTION("a 10 MB body, declared and chunked") {
    auto auth = Gateway::auth()[0];
    std::string head = "PROPFIND / HTTP/1.1\r\nHost: x\r\nDepth: 0\r\n" + auth.first + ": " + auth.second + "\r\n";
    auto started = std::chrono::steady_clock::now();
    auto declared = early_answer(gw.base_url(), head + "Content-Length: 10485760\r\n\r\n", std::string(64 * 1024, 'a'),
                                 256 * 1024);
    CHECK(declared.rfind("HTTP/1.1 413", 0) == 0);
    std::string chunk = "10000\r\n" + std::string(0x10000, 'a') + "\r\n";
    auto chunked = early_answer(gw.base_url(), head + "Transfer-Encoding: chunked\r\n\r\n", chunk, 10 * 1024 * 1024);
    INFO(chunked.substr(0, 200));
    CHECK(chunked.rfind("HTTP/1.1 413", 0) == 0);
    CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(15));
  }
  SECTION("malformed XML and a compressed body") {
    CHECK(propfind("<D:propfind xmlns:D=\"DAV:\"><D:prop>").status == 400);
    CHECK(propfind(std::string("\x1f\x8b\x08\x00", 4), {{"Content-Encoding", "gzip"}}).status == 415);
  }
  require_healthy(gw);
}

TEST_CASE("huge headers are 431, an over-long request line is 414") {
  Fake115 emu;
  Gateway gw(emu, {{"limits", {{"max_header_bytes", 16384}, {"max_request_line_bytes", 8192}}}});
  require_healthy(gw);

  auto big_header = dav(gw, "PROPFIND", "/", {{"Depth", "0"}, {"X-Filler", std::string(40000, 'h')}});
  CHECK(big_header.status == 431);
  HttpHeaders many{{"Depth", "0"}};
  for (int i = 0; i < 1000; ++i) many.emplace_back("X-H" + std::to_string(i), std::string(30, 'v'));
  CHECK(dav(gw, "PROPFIND", "/", many).status == 431);
  // A credential header big enough to overflow the head is still a head problem, not a 500.
  CHECK(http("PROPFIND", gw.dav_url(), {{"Authorization", "Basic " + std::string(30000, 'A')}}).status == 431);

  CHECK(raw_target(gw, "GET", "/" + std::string(9000, 'a')).status == 414);
  CHECK(raw_target(gw, "PROPFIND", "/" + std::string(20000, 'a') + "/", {{"Depth", "0"}}).status == 414);
  require_healthy(gw);
}

TEST_CASE("no header, parameter or request target chooses the host the gateway fetches from or redirects to") {
  Fake115 emu;
  Gateway gw(emu);
  require_healthy(gw);
  const std::string cdn_prefix = emu.base_url() + "/cdn/";

  const HttpHeaders spoofing[] = {
      {{"Host", "evil.example"}},
      {{"X-Forwarded-Host", "evil.example"}, {"X-Forwarded-Proto", "https"}, {"Forwarded", "host=evil.example"}},
      {{"X-Original-URL", "http://evil.example/"}, {"X-Rewrite-URL", "http://evil.example/"}},
      {{"X-Base-Url", "http://evil.example/"}, {"Referer", "http://evil.example/"}},
  };
  const std::string targets[] = {"/hello.txt", "/hello.txt?url=http://evil.example/x", "/hello.txt?redirect=//evil.example",
                                 "/hello.txt?host=evil.example&proxy=http://evil.example"};
  std::uint64_t since = emu.stats()["last_seq"];
  for (const auto& headers : spoofing) {
    for (const auto& target : targets) {
      auto r = raw_target(gw, "GET", target, headers);
      INFO(target << " -> " << r.status << " Location: " << r.header("Location"));
      REQUIRE(r.status == 302);
      CHECK(r.header("Location").rfind(cdn_prefix, 0) == 0);  // always the link 115 gave
      CHECK(r.header("Location").find("evil") == std::string::npos);
    }
  }
  // Absolute-form targets naming another host are not proxied anywhere.
  for (const std::string target : {"http://evil.example/hello.txt", "http://evil.example:80/",
                                   "http://169.254.169.254/latest/meta-data/"}) {
    for (const char* method : {"GET", "PROPFIND"}) {
      auto r = raw_target(gw, method, target, {{"Depth", "0"}});
      INFO(method << " " << target << " -> " << r.status);
      CHECK(r.header("Location").find("evil") == std::string::npos);
      CHECK(r.header("Location").find("169.254") == std::string::npos);
      CHECK(r.body.find("meta-data") == std::string::npos);
      CHECK(r.status != 500);
    }
  }
  // Under local_proxy the gateway fetches itself: still only from the emulator's CDN link.
  gw.config()["delivery"]["policy"] = "local_proxy";
  gw.stop();
  gw.write_config();
  gw.start();
  for (const auto& headers : spoofing) {
    auto r = raw_target(gw, "GET", "/hello.txt?url=http://evil.example/x", headers);
    CHECK(r.status == 200);
    CHECK(r.body.size() == emu.entry("hello.txt")["size"].get<std::size_t>());
  }
  for (const auto& call : emu.calls(since)) CHECK(call.dump().find("evil") == std::string::npos);
  CHECK(emu.stats()["cdn_downloads"].get<int>() >= 4);
  require_healthy(gw);
}

namespace {
// A listening socket nobody should ever connect to: the "evil" CDN host.
struct Tripwire {
  int fd = -1;
  int port = 0;
  Tripwire() {
    fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::listen(fd, 16);
    socklen_t len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    port = ntohs(a.sin_port);
  }
  ~Tripwire() { ::close(fd); }
  bool touched() const {
    pollfd p{fd, POLLIN, 0};
    return ::poll(&p, 1, 0) > 0;
  }
};
}  // namespace

TEST_CASE("a download link whose host is not on the allow-list is refused with 502, logged, never contacted") {
  Tripwire evil;
  // "localhost" resolves to the tripwire, but only "127.0.0.1" is on the gateway's allow-list.
  Fake115 emu({"--public-base", "http://localhost:" + std::to_string(evil.port)});
  for (const char* policy : {"redirect", "local_proxy"}) {
    Gateway gw(emu, {{"delivery", {{"policy", policy}}}});
    for (const char* file : {"hello.txt", "docs/readme.txt"}) {
      auto r = dav(gw, "GET", file);
      INFO(policy << " " << file << " -> " << r.status << " " << r.body);
      CHECK(r.status == 502);
      CHECK(r.header("Location").empty());
      CHECK(r.body.find("localhost") == std::string::npos);  // the link is not echoed to the client
    }
    CHECK(dav(gw, "HEAD", "hello.txt").status != 500);
    CHECK(wait_until([&] { return gw.log().find("allow") != std::string::npos; }, std::chrono::seconds(5)));
    INFO(gw.log());
    CHECK(gw.log().find("localhost:" + std::to_string(evil.port) + "/cdn/") == std::string::npos);  // no signed URL logged
    require_healthy(gw);
  }
  CHECK_FALSE(evil.touched());
}

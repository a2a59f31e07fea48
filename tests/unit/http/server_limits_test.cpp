// Limits and timeouts: every rejection comes with the right status, quickly, and closes.
#include <catch2/catch.hpp>

#include "raw_client.hpp"
#include "test_server.hpp"

using namespace dav115;
using namespace dav115::test;

namespace {
std::optional<RawResponse> send_once(TestServer& s, const std::string& raw) {
  RawClient c(s.port());
  c.send(raw);
  return c.read_response();
}
}  // namespace

TEST_CASE("oversized header fields get 431 and Connection: close") {
  TestServer s;
  auto r = send_once(s, request("GET", "/", "X-Big: " + std::string(6000, 'x') + "\r\n"));
  REQUIRE(r);
  CHECK(r->status == 431);
  CHECK(r->header("connection") == "close");
}

TEST_CASE("a long request target gets 414, also when it overflows the header limit") {
  TestServer s;
  auto r = send_once(s, request("GET", "/" + std::string(2000, 'a')));  // over the 1024 line limit
  REQUIRE(r);
  CHECK(r->status == 414);
  auto huge = send_once(s, request("GET", "/" + std::string(5000, 'a')));  // over the 4096 header limit
  REQUIRE(huge);
  CHECK(huge->status == 414);
}

TEST_CASE("bodies over the per-method limit get 413 without the body being read") {
  TestServer s;
  {
    RawClient c(s.port());
    // Announce 100 KB but send only the head: the answer must not wait for the body.
    c.send("PROPFIND / HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n" + basic("alice", "secret") + "\r\n");
    auto r = c.read_response();
    REQUIRE(r);
    CHECK(r->status == 413);
    CHECK(r->header("connection") == "close");
  }
  auto get = send_once(s, request("GET", "/", basic("alice", "secret"), "a body"));  // GET allows 0 bytes
  REQUIRE(get);
  CHECK(get->status == 413);
  auto chunked = send_once(s, "PROPFIND / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n" +
                                 basic("alice", "secret") + "\r\n800\r\n" + std::string(0x800, 'x') + "\r\n0\r\n\r\n");
  REQUIRE(chunked);
  CHECK(chunked->status == 413);
  auto ok = send_once(s, request("PROPFIND", "/", basic("alice", "secret"), std::string(1000, 'y')));
  REQUIRE(ok);
  CHECK(ok->status == 200);
  CHECK(ok->body.find("body=yyy") != std::string::npos);
}

TEST_CASE("Expect: 100-continue gets 100 then the answer, or 413 straight away") {
  TestServer s;
  {
    RawClient c(s.port());
    c.send("PROPFIND / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n" +
           basic("alice", "secret") + "\r\n");
    auto cont = c.read_response();
    REQUIRE(cont);
    CHECK(cont->status == 100);
    c.send("hello");
    auto r = c.read_response();
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(r->body.find("body=hello") != std::string::npos);
  }
  RawClient c(s.port());
  c.send("PROPFIND / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5000\r\n\r\n");
  auto r = c.read_response();
  REQUIRE(r);
  CHECK(r->status == 413);
}

TEST_CASE("unsupported transfer or content encodings are refused") {
  TestServer s;
  auto te = send_once(s, "PROPFIND / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n");
  REQUIRE(te);
  CHECK(te->status == 501);
  auto ce = send_once(s, request("PROPFIND", "/", "Content-Encoding: gzip\r\n", "abc"));
  REQUIRE(ce);
  CHECK(ce->status == 415);
  auto bad = send_once(s, "NOT A REQUEST\r\n\r\n");
  REQUIRE(bad);
  CHECK(bad->status == 400);
}

TEST_CASE("a client trickling its header is cut after header_timeout") {
  TestServer s;  // header_timeout = 1 s
  RawClient c(s.port());
  c.send("GET / HTTP/1.1\r\nHost: x\r\n");  // never finishes the header
  CHECK(c.closed_by_peer(std::chrono::seconds(5)));
}

TEST_CASE("connections over max_connections are refused without hurting served ones") {
  auto cfg = test_config();
  cfg.limits.max_connections = 2;
  TestServer s(cfg);
  RawClient a(s.port()), b(s.port());
  for (auto* c : {&a, &b}) {
    c->send(request("GET", "/", basic("alice", "secret")));
    auto r = c->read_response();
    REQUIRE(r);
    CHECK(r->status == 200);
  }
  RawClient extra(s.port());
  auto refused = extra.read_response();  // a 503, then close
  REQUIRE(refused);
  CHECK(refused->status == 503);
  CHECK(extra.closed_by_peer());
  a.send(request("GET", "/still-here", basic("alice", "secret")));
  auto r = a.read_response();
  REQUIRE(r);
  CHECK(r->status == 200);
}

TEST_CASE("a refused method gets its response before the body is read, not 413") {
  TestServer s(test_config(), {}, [](std::string_view method) -> std::optional<util::HttpResponse> {
    if (method != "PUT") return std::nullopt;
    auto r = util::text_response(405, "read-only");
    r.set("Allow", "OPTIONS, GET, HEAD, PROPFIND");
    return r;
  });
  RawClient c(s.port());
  // A large body that the server must not wait for (max_other_body_bytes is 0).
  REQUIRE(c.send("PUT /big.bin HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n\r\n"));
  auto r = c.read_response();
  REQUIRE(r);
  CHECK(r->status == 405);
  CHECK(r->header("allow") == "OPTIONS, GET, HEAD, PROPFIND");
  // Other methods are untouched.
  RawClient c2(s.port());
  REQUIRE(c2.send(request("GET", "/x", basic("alice", "secret"))));
  auto ok = c2.read_response();
  REQUIRE(ok);
  CHECK(ok->status == 200);
}

TEST_CASE("connections over max_connections_per_ip get 503 + Retry-After; a freed slot is reusable") {
  auto cfg = test_config();
  cfg.limits.max_connections_per_ip = 2;
  TestServer s(cfg);
  auto a = std::make_unique<RawClient>(s.port());
  RawClient b(s.port());
  for (auto* c : {a.get(), &b}) {
    REQUIRE(c->send(request("GET", "/", basic("alice", "secret"))));
    auto r = c->read_response();
    REQUIRE(r);
    CHECK(r->status == 200);
  }
  {
    RawClient extra(s.port());
    auto refused = extra.read_response();
    REQUIRE(refused);
    CHECK(refused->status == 503);
    CHECK(refused->header("retry-after") == "1");
    CHECK(refused->body == "too many connections from your address\n");
    CHECK(extra.closed_by_peer());
  }
  a.reset();  // its slot comes back once the server has seen the close: poll for it (bounded)
  bool served = false;
  for (int i = 0; i < 200 && !served; ++i) {
    RawClient again(s.port());
    if (!again.send(request("GET", "/again", basic("alice", "secret")))) continue;
    auto r = again.read_response();
    served = r && r->status == 200;
  }
  CHECK(served);
}

TEST_CASE("trusted proxies are exempt from max_connections_per_ip") {
  auto cfg = test_config();
  cfg.limits.max_connections_per_ip = 1;
  cfg.trusted_proxies = {"127.0.0.0/8"};
  TestServer s(cfg);
  RawClient a(s.port()), b(s.port()), c(s.port());
  for (auto* conn : {&a, &b, &c}) {
    REQUIRE(conn->send(request("GET", "/", basic("alice", "secret"))));
    auto r = conn->read_response();
    REQUIRE(r);
    CHECK(r->status == 200);
  }
}

TEST_CASE("after max_requests_per_connection the answer carries Connection: close") {
  auto cfg = test_config();
  cfg.limits.max_requests_per_connection = 3;
  TestServer s(cfg);
  RawClient c(s.port());
  for (int i = 1; i <= 3; ++i) {
    REQUIRE(c.send(request("GET", "/n" + std::to_string(i), basic("alice", "secret"))));
    auto r = c.read_response();
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(r->header("connection") == (i < 3 ? "" : "close"));
  }
  CHECK(c.closed_by_peer());
}

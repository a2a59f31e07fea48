// Keep-alive, built-in endpoints, streamed bodies, HEAD, handler failures, drain.
#include <catch2/catch.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_future.hpp>

#include "dav115/util/metrics.hpp"
#include "raw_client.hpp"
#include "test_server.hpp"

using namespace dav115;
using namespace dav115::test;

TEST_CASE("two requests on one keep-alive connection, with Date and Server headers") {
  TestServer s;
  RawClient c(s.port());
  REQUIRE(c.send(request("GET", "/a", basic("alice", "secret"))));
  auto r1 = c.read_response();
  REQUIRE(r1);
  CHECK(r1->status == 200);
  CHECK(r1->body == "GET /a user=alice body= secure=0\n");
  CHECK_FALSE(r1->header("date").empty());
  CHECK(r1->header("server").rfind("dav115", 0) == 0);
  CHECK(r1->header("connection") != "close");
  REQUIRE(c.send(request("GET", "/b", basic("alice", "secret"))));
  auto r2 = c.read_response();
  REQUIRE(r2);
  CHECK(r2->body.find("GET /b") == 0);
}

TEST_CASE("an HTTP/1.0 keep-alive request is told the connection stays open, and it does") {
  TestServer s;
  RawClient c(s.port());
  const std::string req10 = "GET /a HTTP/1.0\r\nHost: x\r\nConnection: keep-alive\r\n" +
                            std::string("Authorization: Basic YWxpY2U6c2VjcmV0\r\n\r\n");
  REQUIRE(c.send(req10));
  auto r1 = c.read_response();
  REQUIRE(r1);
  CHECK(r1->status == 200);
  CHECK(r1->header("connection") == "keep-alive");
  REQUIRE(c.send(req10));
  auto r2 = c.read_response();
  REQUIRE(r2);
  CHECK(r2->status == 200);
}

TEST_CASE("/healthz reflects the health provider without authentication") {
  TestServer s;
  RawClient c(s.port());
  c.send(request("GET", "/healthz"));
  auto ok = c.read_response();
  REQUIRE(ok);
  CHECK(ok->status == 200);
  CHECK(ok->body == "{\"ok\":true}");
  s.healthy = false;
  c.send(request("GET", "/healthz"));
  auto bad = c.read_response();
  REQUIRE(bad);
  CHECK(bad->status == 503);
  c.send(request("HEAD", "/healthz"));
  auto head = c.read_response(true);
  REQUIRE(head);
  CHECK(head->header("content-length") == "12");
}

TEST_CASE("/metrics renders the request counter without authentication") {
  TestServer s;
  RawClient c(s.port());
  c.send(request("GET", "/nothing-here"));  // a 401, counted
  REQUIRE(c.read_response());
  c.send(request("GET", "/metrics"));
  auto r = c.read_response();
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->header("content-type") == "text/plain; version=0.0.4");
  CHECK(r->body.find("dav115_http_requests_total{method=\"GET\",status=\"401\"}") != std::string::npos);
  CHECK(r->body.find("dav115_http_request_duration_seconds_count") != std::string::npos);
}

TEST_CASE("streamed bodies arrive intact, with Content-Length or chunked, and HEAD sends no body") {
  TestServer s;
  RawClient c(s.port());
  const std::size_t n = 300000;
  c.send(request("GET", "/stream/" + std::to_string(n), basic("alice", "secret")));
  auto r = c.read_response();
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->header("content-length") == std::to_string(n));
  CHECK(r->body == pattern(n));

  c.send(request("GET", "/chunked/70000", basic("alice", "secret")));
  auto ch = c.read_response();
  REQUIRE(ch);
  CHECK(ch->header("transfer-encoding") == "chunked");
  CHECK(ch->body == pattern(70000));

  c.send(request("HEAD", "/stream/" + std::to_string(n), basic("alice", "secret")));
  auto h = c.read_response(true);
  REQUIRE(h);
  CHECK(h->header("content-length") == std::to_string(n));
  // Were any body bytes sent, they would be parsed as the next status line and fail here.
  c.send(request("GET", "/after-head", basic("alice", "secret")));
  auto after = c.read_response();
  REQUIRE(after);
  CHECK(after->status == 200);
  CHECK(after->body.find("GET /after-head") == 0);
}

TEST_CASE("a stream of unknown length to an HTTP/1.0 client is not chunked: it ends with the connection") {
  // HTTP/1.0 has no chunked coding (a big PROPFIND 207 is such a stream).
  TestServer s;
  RawClient c(s.port());
  REQUIRE(c.send("GET /chunked/70000 HTTP/1.0\r\nHost: x\r\nConnection: keep-alive\r\n"
                 "Authorization: Basic YWxpY2U6c2VjcmV0\r\n\r\n"));
  auto r = c.read_response();
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->header("transfer-encoding").empty());
  CHECK(r->header("connection") != "keep-alive");
  CHECK(r->body == pattern(70000));
}

TEST_CASE("a handler exception becomes a 500 and the server keeps serving") {
  TestServer s;
  RawClient c(s.port());
  c.send(request("GET", "/throw", basic("alice", "secret")));
  auto r = c.read_response();
  REQUIRE(r);
  CHECK(r->status == 500);
  CHECK(r->body.find("exploded") == std::string::npos);  // no internals leak to the client
  RawClient c2(s.port());
  c2.send(request("GET", "/fine", basic("alice", "secret")));
  auto r2 = c2.read_response();
  REQUIRE(r2);
  CHECK(r2->status == 200);
}

TEST_CASE("drain lets the in-flight request finish, closes the connection and stops accepting") {
  TestServer s;
  auto port = s.port();
  RawClient idle(port);  // an idle keep-alive connection
  idle.send(request("GET", "/x", basic("alice", "secret")));
  REQUIRE(idle.read_response());
  RawClient busy(port);
  busy.send(request("GET", "/slow", basic("alice", "secret")));
  REQUIRE(s.slow_entered.get_future().wait_for(std::chrono::seconds(5)) == std::future_status::ready);

  auto drained = boost::asio::co_spawn(s.ioc, s.server->drain(std::chrono::seconds(5)), boost::asio::use_future);
  auto r = busy.read_response();
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->header("connection") == "close");
  CHECK(idle.closed_by_peer());
  REQUIRE(drained.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
  drained.get();
  CHECK(s.server->active_connections() == 0);
  CHECK_THROWS(RawClient(port));  // listener closed: connection refused
}

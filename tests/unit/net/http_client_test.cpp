#include <catch2/catch.hpp>

#include <boost/asio/io_context.hpp>

#include "dav115/net/http_client.hpp"
#include "test_server.hpp"

namespace asio = boost::asio;
using namespace dav115::net;
using dav115::test::ServerReply;
using dav115::test::ServerRequest;
using dav115::test::TestServer;
using dav115::test::run_test;

TEST_CASE("parse_url splits scheme, host, port and target") {
  auto u = parse_url("https://proapi.115.com/open/ufile/files?cid=0&limit=10");
  CHECK(u.tls);
  CHECK(u.host == "proapi.115.com");
  CHECK(u.port == "443");
  CHECK(u.target == "/open/ufile/files?cid=0&limit=10");
  auto p = parse_url("http://127.0.0.1:8080");
  CHECK_FALSE(p.tls);
  CHECK(p.port == "8080");
  CHECK(p.target == "/");
  CHECK(parse_url("http://[::1]:9/x").host == "::1");
  CHECK_THROWS_AS(parse_url("ftp://x/"), std::invalid_argument);
  CHECK_THROWS_AS(parse_url("not a url"), std::invalid_argument);
}

TEST_CASE("form_encode percent-encodes everything but unreserved characters") {
  CHECK(form_encode({{"a", "1"}, {"b c", "x&y=z/é+"}}) == "a=1&b%20c=x%26y%3Dz%2F%C3%A9%2B");
  CHECK(form_encode({}) == "");
}

TEST_CASE("HttpClient sends method, headers and body, and reuses the keep-alive connection") {
  asio::io_context io;
  std::string seen_method, seen_body, seen_ua, seen_host, seen_ct;
  TestServer server(io.get_executor(), [&](const ServerRequest& req) -> asio::awaitable<ServerReply> {
    seen_method = std::string(req.method_string());
    seen_body = req.body();
    seen_ua = std::string(req["User-Agent"]);
    seen_host = std::string(req["Host"]);
    seen_ct = std::string(req["Content-Type"]);
    co_return ServerReply{201, "{\"ok\":1}"};
  });
  HttpClient client(io.get_executor());
  run_test(io, [&]() -> asio::awaitable<void> {
    for (int i = 0; i < 3; ++i) {
      Request r;
      r.method = "POST";
      r.url = server.base_url() + "/p?x=1";
      r.headers = {{"User-Agent", "ua/1"}, {"Content-Type", "application/x-www-form-urlencoded"}};
      r.body = "a=b";
      auto res = co_await client.request(r);
      CHECK(res.status == 201);
      CHECK(res.body == "{\"ok\":1}");
      CHECK(res.header("content-type") == "application/json");
    }
  });
  CHECK(seen_method == "POST");
  CHECK(seen_body == "a=b");
  CHECK(seen_ua == "ua/1");
  CHECK(seen_host.rfind("127.0.0.1:", 0) == 0);
  CHECK(server.requests() == 3);
  CHECK(server.connections() == 1);
}

TEST_CASE("HttpClient retries once on a pooled connection the server has closed") {
  std::vector<std::string> bodies;
  asio::io_context io2;
  int m = 0;
  TestServer closing(io2.get_executor(), [&](const ServerRequest&) -> asio::awaitable<ServerReply> {
    ++m;
    ServerReply rep{200, "c" + std::to_string(m), "text/plain"};
    rep.drop_silently = (m == 2);  // the second request hits a connection that dies without answering
    co_return rep;
  });
  HttpClient client2(io2.get_executor());
  run_test(io2, [&]() -> asio::awaitable<void> {
    Request r;
    r.url = closing.base_url() + "/";
    bodies.push_back((co_await client2.request(r)).body);
    bodies.push_back((co_await client2.request(r)).body);
  });
  REQUIRE(bodies.size() == 2);
  CHECK(bodies[0] == "c1");
  CHECK(bodies[1] == "c3");  // request 2 was lost with the dead connection, retried as request 3
  CHECK(closing.connections() == 2);
}

TEST_CASE("HttpClient never replays a non-idempotent request on a reused connection that died unanswered") {
  // The server reads the request (and may have acted on it: a token refresh rotates the token) and then
  // closes the kept-alive connection without answering. Sending the POST again could burn the token.
  asio::io_context io;
  int posts = 0;
  bool drop_next = false;
  TestServer closing(io.get_executor(), [&](const ServerRequest& req) -> asio::awaitable<ServerReply> {
    if (req.method_string() == "POST") ++posts;
    ServerReply rep{200, "ok", "text/plain"};
    rep.drop_silently = std::exchange(drop_next, false);  // this request is read but never answered
    co_return rep;
  });
  HttpClient client(io.get_executor());
  bool post_failed = false, marked_failed = false;
  std::string marked_body;
  run_test(io, [&]() -> asio::awaitable<void> {
    Request warm;
    warm.url = closing.base_url() + "/warm";
    co_await client.request(warm);  // parks a keep-alive connection
    Request post;
    post.method = "POST";
    post.url = closing.base_url() + "/open/refreshToken";
    post.body = "refresh_token=x";
    drop_next = true;
    try {
      co_await client.request(post);
    } catch (const TransportError&) {
      post_failed = true;
    }
    // An explicitly idempotent POST (a read that happens to be a POST) may be sent again.
    CHECK(posts == 1);
    co_await client.request(warm);  // parks a connection again
    drop_next = true;
    Request marked = post;
    marked.idempotent = true;
    try {
      marked_body = (co_await client.request(marked)).body;
    } catch (const TransportError&) {
      marked_failed = true;
    }
  });
  CHECK(post_failed);
  CHECK_FALSE(marked_failed);
  CHECK(marked_body == "ok");
  CHECK(posts == 3);  // the unmarked POST once, the marked one twice
}

TEST_CASE("Requests are idempotent by method unless marked") {
  Request r;
  CHECK(r.is_idempotent());
  r.method = "HEAD";
  CHECK(r.is_idempotent());
  r.method = "POST";
  CHECK_FALSE(r.is_idempotent());
  r.idempotent = true;
  CHECK(r.is_idempotent());
  r.method = "GET";
  r.idempotent = false;
  CHECK_FALSE(r.is_idempotent());
}

TEST_CASE("HttpClient turns refused connections and timeouts into TransportError") {
  asio::io_context io;
  HttpClient client(io.get_executor());
  // A listening socket that never answers: the request must time out.
  TestServer silent(io.get_executor(), [&](const ServerRequest&) -> asio::awaitable<ServerReply> {
    asio::steady_timer t(co_await asio::this_coro::executor, std::chrono::seconds(5));
    co_await t.async_wait(asio::use_awaitable);
    co_return ServerReply{};
  });
  bool timed_out = false, refused = false;
  std::string dead_url;
  {
    asio::ip::tcp::acceptor a(io, {asio::ip::make_address("127.0.0.1"), 0});
    dead_url = "http://127.0.0.1:" + std::to_string(a.local_endpoint().port()) + "/";
  }  // closed: nothing listens there now
  run_test(io, [&]() -> asio::awaitable<void> {
    Request r;
    r.url = silent.base_url() + "/";
    r.timeout = std::chrono::milliseconds(200);
    try {
      co_await client.request(r);
    } catch (const TransportError&) {
      timed_out = true;
    }
    r.url = dead_url;
    try {
      co_await client.request(r);
    } catch (const TransportError&) {
      refused = true;
    }
    silent.stop();
  });
  CHECK(timed_out);
  CHECK(refused);
}

TEST_CASE("HttpClient enforces the response body limit") {
  asio::io_context io;
  TestServer server(io.get_executor(), [&](const ServerRequest&) -> asio::awaitable<ServerReply> {
    co_return ServerReply{200, std::string(5000, 'x'), "text/plain"};
  });
  HttpClient client(io.get_executor());
  bool threw = false;
  run_test(io, [&]() -> asio::awaitable<void> {
    Request r;
    r.url = server.base_url() + "/";
    r.max_response_bytes = 1000;
    try {
      co_await client.request(r);
    } catch (const TransportError&) {
      threw = true;
    }
  });
  CHECK(threw);
}

TEST_CASE("host_header names the port only when it is not the scheme's default, and brackets IPv6") {
  CHECK(dav115::net::host_header(parse_url("https://proapi.115.com/x")) == "proapi.115.com");
  CHECK(dav115::net::host_header(parse_url("http://127.0.0.1:8080/x")) == "127.0.0.1:8080");
  CHECK(dav115::net::host_header(parse_url("https://cdn.115cdn.net:80/x")) == "cdn.115cdn.net:80");
  CHECK(dav115::net::host_header(parse_url("http://[::1]:9115/x")) == "[::1]:9115");
}

// A client that goes away cancels the work done for it; a pipelined next request is not a departure.
#include <catch2/catch.hpp>

#include <future>
#include <thread>

#include "dav115/util/metrics.hpp"
#include "raw_client.hpp"
#include "test_server.hpp"

using namespace dav115;
using namespace dav115::test;

namespace {
bool ready_within(std::future<void>& f, std::chrono::seconds limit) {
  return f.wait_for(limit) == std::future_status::ready;
}
}  // namespace

TEST_CASE("closing the connection cancels the request's handler") {
  TestServer s;
  auto entered = s.hang_entered.get_future();
  auto cancelled = s.hang_cancelled.get_future();
  const double before = util::Metrics::global().value("dav115_http_requests_cancelled_total");
  {
    RawClient c(s.port());
    REQUIRE(c.send(request("GET", "/hang", basic("alice", "secret"))));
    REQUIRE(ready_within(entered, std::chrono::seconds(30)));
  }  // the client hangs up while its handler waits
  REQUIRE(ready_within(cancelled, std::chrono::seconds(30)));
  // The session counts it once the handler has unwound: poll (bounded).
  bool counted = false;
  for (int i = 0; i < 3000 && !counted; ++i) {
    counted = util::Metrics::global().value("dav115_http_requests_cancelled_total") == before + 1;
    if (!counted) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  CHECK(counted);
  // The server is fine afterwards.
  RawClient c(s.port());
  REQUIRE(c.send(request("GET", "/after", basic("alice", "secret"))));
  auto r = c.read_response();
  REQUIRE(r);
  CHECK(r->status == 200);
}

TEST_CASE("a pipelined request arriving while the handler runs is served, not taken for a close") {
  TestServer s;
  RawClient c(s.port());
  // /slow waits 300 ms in the handler; the second request's bytes arrive meanwhile.
  REQUIRE(c.send(request("GET", "/slow", basic("alice", "secret")) + request("GET", "/next", basic("alice", "secret"))));
  auto first = c.read_response();
  REQUIRE(first);
  CHECK(first->status == 200);
  CHECK(first->body.find("GET /slow") == 0);
  auto second = c.read_response();
  REQUIRE(second);
  CHECK(second->body.find("GET /next") == 0);
}

TEST_CASE("a client that pipelines and then waits keeps its slow answer") {
  TestServer s;
  RawClient c(s.port());
  auto entered = s.slow_entered.get_future();
  REQUIRE(c.send(request("GET", "/slow", basic("alice", "secret"))));
  REQUIRE(ready_within(entered, std::chrono::seconds(30)));
  REQUIRE(c.send(request("GET", "/next", basic("alice", "secret"))));  // sent while /slow is in its handler
  auto first = c.read_response();
  REQUIRE(first);
  CHECK(first->status == 200);
  auto second = c.read_response();
  REQUIRE(second);
  CHECK(second->body.find("GET /next") == 0);
}

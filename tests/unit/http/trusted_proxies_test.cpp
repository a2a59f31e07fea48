// X-Forwarded-For is believed only from trusted proxies: lockout and the access log key on the client
// a trusted proxy names, and a client cannot pick its own address by sending the header itself.
#include <catch2/catch.hpp>

#include "dav115/http/trusted_proxies.hpp"
#include "raw_client.hpp"
#include "test_server.hpp"

using namespace dav115;
using namespace dav115::test;
using http::TrustedProxies;

TEST_CASE("trusted proxies match addresses and CIDR ranges of both families") {
  TrustedProxies p({"10.0.0.1", "172.16.0.0/12", "::1", "fd00::/8"});
  CHECK(p.contains("10.0.0.1"));
  CHECK_FALSE(p.contains("10.0.0.2"));
  CHECK(p.contains("172.31.255.255"));
  CHECK_FALSE(p.contains("172.32.0.1"));
  CHECK(p.contains("::1"));
  CHECK(p.contains("fd12:3456::1"));
  CHECK_FALSE(p.contains("fe80::1"));
  CHECK(p.contains("::ffff:10.0.0.1"));  // IPv4-mapped form of a trusted IPv4 address
  CHECK_FALSE(p.contains("not-an-address"));
  CHECK(TrustedProxies({}).empty());
  CHECK_THROWS_AS(TrustedProxies({"10.0.0.0/40"}), std::invalid_argument);
}

TEST_CASE("the client is the right-most untrusted X-Forwarded-For hop, and only behind a trusted peer") {
  TrustedProxies p({"10.0.0.0/8"});
  // An untrusted peer's header is ignored, whatever it says.
  CHECK(p.client_address("203.0.113.9", {"198.51.100.1"}) == "203.0.113.9");
  // Trusted peer: the proxy appended the address it saw; whatever is left of it is the client's claim.
  CHECK(p.client_address("10.0.0.1", {"198.51.100.1"}) == "198.51.100.1");
  CHECK(p.client_address("10.0.0.1", {"1.1.1.1, 198.51.100.1"}) == "198.51.100.1");
  CHECK(p.client_address("10.0.0.1", {"1.1.1.1, 198.51.100.1, 10.0.0.7"}) == "198.51.100.1");  // two proxies
  CHECK(p.client_address("10.0.0.1", {"1.1.1.1", "198.51.100.1,10.0.0.7"}) == "198.51.100.1");  // repeated fields
  CHECK(p.client_address("10.0.0.1", {"198.51.100.1:4711"}) == "198.51.100.1");
  CHECK(p.client_address("10.0.0.1", {"[2001:db8::1]:4711"}) == "2001:db8::1");
  CHECK(p.client_address("10.0.0.1", {"2001:db8::1"}) == "2001:db8::1");
  // Every hop trusted: the left-most one. No header: the proxy itself.
  CHECK(p.client_address("10.0.0.1", {"10.0.0.5, 10.0.0.7"}) == "10.0.0.5");
  CHECK(p.client_address("10.0.0.1", {}) == "10.0.0.1");
  // Garbage ends the walk at the hop that reported it.
  CHECK(p.client_address("10.0.0.1", {"198.51.100.1, garbage, 10.0.0.7"}) == "10.0.0.7");
  CHECK(p.client_address("10.0.0.1", {"unknown"}) == "10.0.0.1");
}

namespace {
int status_of(std::uint16_t port, const std::string& extra) {
  RawClient c(port);
  REQUIRE(c.send(request("GET", "/x", extra)));
  auto r = c.read_response();
  REQUIRE(r);
  return r->status;
}
}  // namespace

TEST_CASE("behind a trusted proxy, one forwarded client's typos lock out only that client") {
  auto cfg = test_config();  // max_failures = 3
  cfg.trusted_proxies = {"127.0.0.1"};
  TestServer s(cfg);
  const std::string typo = basic("alice", "typo");
  for (int i = 0; i < 3; ++i) CHECK(status_of(s.port(), typo + "X-Forwarded-For: 198.51.100.1\r\n") == 401);
  CHECK(status_of(s.port(), basic("alice", "secret") + "X-Forwarded-For: 198.51.100.1\r\n") == 429);
  // Another user behind the same proxy is not affected, nor is a spoofed left-most entry taken at its word.
  CHECK(status_of(s.port(), basic("alice", "secret") + "X-Forwarded-For: 198.51.100.2\r\n") == 200);
  CHECK(status_of(s.port(), basic("alice", "secret") + "X-Forwarded-For: 198.51.100.1, 198.51.100.3\r\n") == 200);
}

TEST_CASE("without trusted proxies X-Forwarded-For is ignored: a locked-out peer cannot escape with it") {
  TestServer s;  // trusted_proxies empty; max_failures = 3
  const std::string typo = basic("alice", "typo");
  for (int i = 0; i < 3; ++i) CHECK(status_of(s.port(), typo + "X-Forwarded-For: 198.51.100.1\r\n") == 401);
  CHECK(status_of(s.port(), basic("alice", "secret") + "X-Forwarded-For: 198.51.100.9\r\n") == 429);
  CHECK(status_of(s.port(), basic("alice", "secret")) == 429);
}

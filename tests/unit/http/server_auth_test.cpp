// Basic authentication as clients see it on the wire.
#include <catch2/catch.hpp>

#include "raw_client.hpp"
#include "test_server.hpp"

using namespace dav115;
using namespace dav115::test;

namespace {
RawResponse get_with(RawClient& c, const std::string& auth_line, const std::string& method = "GET") {
  REQUIRE(c.send(request(method, "/secret", auth_line)));
  auto r = c.read_response();
  REQUIRE(r);
  return *r;
}
}  // namespace

TEST_CASE("401 carries the Basic challenge; the right password gets 200 and the user name") {
  TestServer s;
  RawClient c(s.port());
  auto none = get_with(c, "");
  CHECK(none.status == 401);
  CHECK(none.header("www-authenticate") == "Basic realm=\"testrealm\", charset=\"UTF-8\"");
  auto propfind = get_with(c, "", "PROPFIND");
  CHECK(propfind.status == 401);
  CHECK_FALSE(propfind.header("www-authenticate").empty());
  auto ok = get_with(c, basic("alice", "secret"));
  CHECK(ok.status == 200);
  CHECK(ok.body.find("user=alice") != std::string::npos);
  auto domain = get_with(c, basic("WORKGROUP\\alice", "secret"));
  CHECK(domain.status == 200);
  CHECK(domain.body.find("user=alice ") != std::string::npos);
}

TEST_CASE("wrong user and wrong password get the same 401") {
  TestServer s;
  RawClient c(s.port());
  auto wrong_user = get_with(c, basic("mallory", "secret"));
  auto wrong_pass = get_with(c, basic("alice", "guess"));
  CHECK(wrong_user.status == 401);
  CHECK(wrong_pass.status == 401);
  CHECK(wrong_user.body == wrong_pass.body);
  CHECK(wrong_user.header("www-authenticate") == wrong_pass.header("www-authenticate"));
}

TEST_CASE("a malformed Authorization header is a 401, never a 500") {
  auto cfg = test_config();
  cfg.auth.max_failures = 10;  // four bad attempts must not trip the lockout here
  TestServer s(cfg);
  RawClient c(s.port());
  for (const std::string& bad : std::vector<std::string>{"Authorization: Basic !!!notbase64\r\n", "Authorization: Bearer abc\r\n",
                          "Authorization: Basic\r\n", "Authorization: Basic " + http::base64_encode("nocolon") + "\r\n"}) {
    auto r = get_with(c, bad);
    CHECK(r.status == 401);
  }
}

TEST_CASE("after max_failures the client gets 429 with Retry-After") {
  TestServer s;  // max_failures = 3
  RawClient c(s.port());
  for (int i = 0; i < 3; ++i) CHECK(get_with(c, basic("alice", "nope")).status == 401);
  auto locked = get_with(c, basic("alice", "secret"));
  CHECK(locked.status == 429);
  CHECK(std::stoi(locked.header("retry-after")) > 0);
}

TEST_CASE("OPTIONS needs no authentication; allow_anonymous needs none at all") {
  {
    TestServer s;
    RawClient c(s.port());
    auto r = get_with(c, "", "OPTIONS");
    CHECK(r.status == 200);
    CHECK(r.body.find("OPTIONS /secret user= ") == 0);
  }
  auto cfg = test_config();
  cfg.allow_anonymous = true;
  TestServer s(cfg);
  RawClient c(s.port());
  auto r = get_with(c, "");
  CHECK(r.status == 200);
  CHECK(r.body.find("user= ") != std::string::npos);
}

TEST_CASE("targets declared public skip Basic auth; everything else is still challenged") {
  TestServer s(test_config(), [](std::string_view target) { return target.rfind("/_proxy/", 0) == 0; });
  RawClient c(s.port());
  REQUIRE(c.send(request("GET", "/_proxy/file.bin?sign=abc:0")));
  auto pub = c.read_response();
  REQUIRE(pub);
  CHECK(pub->status == 200);
  CHECK(pub->body.find("user= ") != std::string::npos);  // no user was authenticated
  auto other = get_with(c, "");
  CHECK(other.status == 401);
}

TEST_CASE("/admin reaches admin users only: anonymous 401 even with allow_anonymous, other users 403") {
  auto cfg = test_config();
  cfg.allow_anonymous = true;
  cfg.users[0].admin = true;
  cfg.users.push_back({"bob", http::hash_password("pw", 1000)});
  TestServer s(cfg, {}, {}, [](util::HttpRequest& req) -> boost::asio::awaitable<util::HttpResponse> {
    co_return util::text_response(200, "admin page for " + req.user);
  });
  RawClient c(s.port());
  auto ask = [&](const std::string& target, const std::string& auth) {
    REQUIRE(c.send(request("GET", target, auth)));
    auto r = c.read_response();
    REQUIRE(r);
    return *r;
  };
  auto anonymous = ask("/admin/", "");
  CHECK(anonymous.status == 401);
  CHECK_FALSE(anonymous.header("www-authenticate").empty());
  CHECK(ask("/admin", "").status == 401);
  auto bob = ask("/admin/", basic("bob", "pw"));
  CHECK(bob.status == 403);
  CHECK(bob.body.find("admin page for") == std::string::npos);  // the handler never ran
  auto alice = ask("/admin/login/poll?session=x", basic("alice", "secret"));
  CHECK(alice.status == 200);
  CHECK(alice.body == "admin page for alice\n");
  // Everything else keeps its rules: anonymous reading goes to the handler.
  auto other = ask("/administrator", "");
  CHECK(other.status == 200);
  CHECK(other.body.find("GET /administrator user= ") == 0);
}

namespace {
// A well-formed hash whose check costs `iterations` PBKDF2 rounds (no password matches it), made
// without paying for that derivation here.
std::string costly_hash(int iterations) {
  return "pbkdf2-sha256$" + std::to_string(iterations) + "$" + http::base64_encode(std::string(16, 's')) + "$" +
         http::base64_encode(std::string(32, 'k'));
}

// The value of an unlabelled series in a /metrics page, or -1.
double metric(const std::string& page, const std::string& name) {
  auto at = page.find("\n" + name + " ");
  if (at == std::string::npos) return -1;
  return std::stod(page.substr(at + name.size() + 2));
}
}  // namespace

TEST_CASE("password checks run off the I/O threads: other requests are answered meanwhile") {
  auto cfg = test_config();
  cfg.users.push_back({"slowpoke", costly_hash(1'000'000)});  // seconds per check, on any machine
  cfg.auth.max_failures = 10;
  TestServer s(cfg);  // two I/O threads: two inline derivations would stall the whole server
  RawClient cached(s.port());
  CHECK(get_with(cached, basic("alice", "secret")).status == 200);  // alice is now in the verified cache

  RawClient slow1(s.port()), slow2(s.port());
  REQUIRE(slow1.send(request("GET", "/a", basic("slowpoke", "guess-1"))));
  REQUIRE(slow2.send(request("GET", "/b", basic("slowpoke", "guess-2"))));

  // The oracle is an event, not a clock: a /metrics page served while both derivations are pending.
  bool seen_both_pending = false;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  for (int i = 0; i < 2000 && !seen_both_pending && std::chrono::steady_clock::now() < deadline; ++i) {
    RawClient m(s.port());
    REQUIRE(m.send(request("GET", "/metrics")));
    auto page = m.read_response(false, std::chrono::seconds(2));
    if (!page) continue;  // not answered in time: try again (bounded); a stalled server never answers
    seen_both_pending = metric("\n" + page->body, "dav115_auth_verifications_pending") == 2;
  }
  CHECK(seen_both_pending);
  CHECK(get_with(cached, basic("alice", "secret")).status == 200);
  RawClient health(s.port());
  REQUIRE(health.send(request("GET", "/healthz")));
  auto h = health.read_response();
  REQUIRE(h);
  CHECK(h->status == 200);

  for (auto* c : {&slow1, &slow2}) {
    auto r = c->read_response(false, std::chrono::seconds(120));
    REQUIRE(r);
    CHECK(r->status == 401);
  }
}

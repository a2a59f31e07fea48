// Authentication abuse against the real binaries: password guessing meets a lockout, garbage in the
// Authorization header is a plain 401 (never a 500), and an unknown user looks exactly like a wrong password.
#include <catch2/catch.hpp>

#include <boost/beast/core/detail/base64.hpp>

#include "support/fake115.hpp"
#include "support/gateway.hpp"

using namespace dav115::test;

namespace {

std::string basic(const std::string& user_colon_password) {
  namespace b64 = boost::beast::detail::base64;
  std::string out(b64::encoded_size(user_colon_password.size()), '\0');
  out.resize(b64::encode(out.data(), user_colon_password.data(), user_colon_password.size()));
  return "Basic " + out;
}

HttpResult propfind_as(Gateway& gw, const std::string& authorization) {
  return http("PROPFIND", gw.dav_url(), {{"Depth", "0"}, {"Authorization", authorization}});
}

void require_healthy(Gateway& gw) {
  REQUIRE(dav(gw, "PROPFIND", "/", {{"Depth", "1"}}).status == 207);
  REQUIRE(http("GET", gw.base_url() + "/healthz").status == 200);
}

// Everything a client can observe of a refusal except the Date header.
std::string observable(const HttpResult& r) {
  std::string out = std::to_string(r.status) + "\n";
  for (const auto& [k, v] : r.headers)
    if (k != "Date") out += k + ": " + v + "\n";
  return out + r.body;
}

}  // namespace

TEST_CASE("a malformed Authorization header is 401 with a challenge, never 500") {
  Fake115 emu;
  Gateway gw(emu, {{"auth", {{"max_failures", 1000}}}});
  require_healthy(gw);
  const std::string malformed[] = {
      "",
      "Basic",
      "Basic ",
      "Basic !!!!not-base64",
      "Basic dGVzdGVy",  // "tester": no colon
      basic(":"),
      basic(":" + std::string(Gateway::kPassword)),
      basic(std::string(Gateway::kUser) + ":"),
      basic(std::string(Gateway::kUser) + std::string("\0:", 2) + Gateway::kPassword),
      basic(std::string("\xff\xfe\x00:", 4) + "x"),
      basic("DOMAIN\\"),
      "Basic " + std::string(8000, 'A'),
      "Basic ====",
      "Basic dGVzdGVy=OnMzY3JldC1wYXNz",
      "Bearer abc.def.ghi",
      "Digest username=\"tester\", realm=\"dav115\", nonce=\"x\", response=\"y\"",
      "Negotiate TlRMTVNTUAABAAAAB4IIogAAAAAAAAAAAAAAAAAAAAAGAbEdAAAADw==",
      "Basicdesterr",
      "\tBasic\t",
  };
  for (const auto& value : malformed) {
    auto r = propfind_as(gw, value);
    INFO("Authorization: " << value.substr(0, 80) << " -> " << r.status << " " << r.body);
    CHECK(r.status == 401);
    CHECK(r.header("WWW-Authenticate").rfind("Basic realm=", 0) == 0);
  }
  // Many copies of the header, and the header on a GET: still just 401.
  CHECK(http("PROPFIND", gw.dav_url(), {{"Depth", "0"}, {"Authorization", "Basic x"}, {"authorization", "Basic y"}})
            .status == 401);
  CHECK(http("GET", gw.dav_url() + "hello.txt", {{"Authorization", "Basic !!"}}).status == 401);
  require_healthy(gw);
}

TEST_CASE("a wrong user and a wrong password get the very same answer") {
  Fake115 emu;
  Gateway gw(emu, {{"auth", {{"max_failures", 1000}}}});
  auto wrong_password = propfind_as(gw, basic(std::string(Gateway::kUser) + ":not-the-password"));
  auto wrong_user = propfind_as(gw, basic("nobody:not-the-password"));
  auto wrong_user_right_password = propfind_as(gw, basic(std::string("nobody:") + Gateway::kPassword));
  CHECK(wrong_password.status == 401);
  CHECK(observable(wrong_user) == observable(wrong_password));
  CHECK(observable(wrong_user_right_password) == observable(wrong_password));
  require_healthy(gw);
}

TEST_CASE("wrong passwords: 401 up to the configured number, then 429 with Retry-After, then back after the lockout") {
  Fake115 emu;
  Gateway gw(emu, {{"auth", {{"max_failures", 3}, {"failure_window_s", 60}, {"lockout_s", 2}}}});
  const std::string wrong = basic(std::string(Gateway::kUser) + ":guess");
  for (int i = 0; i < 3; ++i) {
    auto r = propfind_as(gw, wrong);
    INFO("attempt " << i + 1);
    CHECK(r.status == 401);
  }
  for (int i = 0; i < 5; ++i) {
    auto r = propfind_as(gw, wrong);
    CHECK(r.status == 429);
    CHECK_FALSE(r.header("Retry-After").empty());
    // Malformed headers and wrong users are locked out alike: no way around the counter.
    CHECK(propfind_as(gw, basic("other:guess")).status == 429);
    CHECK(propfind_as(gw, "Basic !!").status == 429);
  }
  // The lockout does not take the server down: health and the unauthenticated OPTIONS still answer.
  CHECK(http("GET", gw.base_url() + "/healthz").status == 200);
  CHECK(http("OPTIONS", gw.dav_url()).status == 200);
  // Once the lockout passes, the right password works again.
  CHECK(wait_until([&] { return dav(gw, "PROPFIND", "/", {{"Depth", "0"}}).status == 207; }, std::chrono::seconds(15),
                   std::chrono::milliseconds(250)));
  require_healthy(gw);
}

#include <catch2/catch.hpp>

#include "dav115/http/authenticator.hpp"
#include "dav115/http/password_hash.hpp"

using namespace dav115;
using http::Authenticator;

namespace {
config::Config users_config() {
  config::Config cfg;
  cfg.users.push_back({"alice", http::hash_password("secret", 1000)});
  cfg.users.push_back({"bob", http::hash_password("hunter2", 1000)});
  cfg.auth.max_failures = 2;
  return cfg;
}
std::string basic(const std::string& userpass) { return "Basic " + http::base64_encode(userpass); }
}  // namespace

TEST_CASE("parse_basic splits user and password and strips a Windows domain") {
  std::string u, p;
  REQUIRE(Authenticator::parse_basic(basic("alice:se:cret"), u, p));
  CHECK(u == "alice");
  CHECK(p == "se:cret");
  REQUIRE(Authenticator::parse_basic("basic " + http::base64_encode("CORP\\alice:x"), u, p));
  CHECK(u == "alice");
  CHECK_FALSE(Authenticator::parse_basic("Bearer abc", u, p));
  CHECK_FALSE(Authenticator::parse_basic("Basic", u, p));
  CHECK_FALSE(Authenticator::parse_basic("Basic !!!!", u, p));
  CHECK_FALSE(Authenticator::parse_basic(basic("nocolon"), u, p));
  CHECK_FALSE(Authenticator::parse_basic(basic(":pw"), u, p));
}

TEST_CASE("check accepts each configured user and rejects wrong user and wrong password alike") {
  Authenticator auth(users_config());
  auto ok = auth.check(basic("bob:hunter2"), "10.0.0.1");
  CHECK(ok.outcome == Authenticator::Outcome::Ok);
  CHECK(ok.user == "bob");
  CHECK(auth.check(basic("alice:secret"), "10.0.0.1").user == "alice");
  CHECK(auth.check(basic("alice:secret"), "10.0.0.1").outcome == Authenticator::Outcome::Ok);  // cached path
  CHECK(auth.check(basic("alice:hunter2"), "10.0.0.2").outcome == Authenticator::Outcome::Challenge);
  CHECK(auth.check(basic("mallory:secret"), "10.0.0.3").outcome == Authenticator::Outcome::Challenge);
  CHECK(auth.check(std::nullopt, "10.0.0.4").outcome == Authenticator::Outcome::Challenge);
  CHECK(auth.challenge() == "Basic realm=\"dav115\", charset=\"UTF-8\"");
}

TEST_CASE("repeated failures lock out only that client address") {
  Authenticator auth(users_config());
  CHECK(auth.check(basic("alice:bad"), "10.0.0.9").outcome == Authenticator::Outcome::Challenge);
  CHECK(auth.check("garbage", "10.0.0.9").outcome == Authenticator::Outcome::Challenge);
  auto locked = auth.check(basic("alice:secret"), "10.0.0.9");  // even the right password now
  CHECK(locked.outcome == Authenticator::Outcome::LockedOut);
  CHECK(locked.retry_after.count() >= 1);
  CHECK(auth.check(basic("alice:secret"), "10.0.0.10").outcome == Authenticator::Outcome::Ok);
  // Missing credentials never count as failures.
  for (int i = 0; i < 5; ++i) CHECK(auth.check(std::nullopt, "10.0.0.11").outcome == Authenticator::Outcome::Challenge);
  CHECK(auth.check(basic("alice:secret"), "10.0.0.11").outcome == Authenticator::Outcome::Ok);
}

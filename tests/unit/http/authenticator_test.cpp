#include <catch2/catch.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <atomic>
#include <future>
#include <thread>

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

// One check on an io_context of its own; run() returns once the verifier has resumed it.
Authenticator::Result check(Authenticator& auth, std::optional<std::string> authorization, const std::string& address) {
  boost::asio::io_context ioc;
  auto done = boost::asio::co_spawn(ioc, auth.check(std::move(authorization), address), boost::asio::use_future);
  ioc.run();
  return done.get();
}
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
  auto ok = check(auth, basic("bob:hunter2"), "10.0.0.1");
  CHECK(ok.outcome == Authenticator::Outcome::Ok);
  CHECK(ok.user == "bob");
  CHECK(check(auth, basic("alice:secret"), "10.0.0.1").user == "alice");
  CHECK(check(auth, basic("alice:secret"), "10.0.0.1").outcome == Authenticator::Outcome::Ok);  // cached path
  CHECK(check(auth, basic("alice:hunter2"), "10.0.0.2").outcome == Authenticator::Outcome::Challenge);
  CHECK(check(auth, basic("mallory:secret"), "10.0.0.3").outcome == Authenticator::Outcome::Challenge);
  CHECK(check(auth, std::nullopt, "10.0.0.4").outcome == Authenticator::Outcome::Challenge);
  CHECK(auth.challenge() == "Basic realm=\"dav115\", charset=\"UTF-8\"");
}

TEST_CASE("repeated failures lock out only that client address") {
  Authenticator auth(users_config());
  CHECK(check(auth, basic("alice:bad"), "10.0.0.9").outcome == Authenticator::Outcome::Challenge);
  CHECK(check(auth, "garbage", "10.0.0.9").outcome == Authenticator::Outcome::Challenge);
  auto locked = check(auth, basic("alice:secret"), "10.0.0.9");  // even the right password now
  CHECK(locked.outcome == Authenticator::Outcome::LockedOut);
  CHECK(locked.retry_after.count() >= 1);
  CHECK(check(auth, basic("alice:secret"), "10.0.0.10").outcome == Authenticator::Outcome::Ok);
  // Missing credentials never count as failures.
  for (int i = 0; i < 5; ++i) CHECK(check(auth, std::nullopt, "10.0.0.11").outcome == Authenticator::Outcome::Challenge);
  CHECK(check(auth, basic("alice:secret"), "10.0.0.11").outcome == Authenticator::Outcome::Ok);
}

TEST_CASE("concurrent checks of the same credentials share one derivation, on the verifier's threads") {
  http::CredentialVerifier verifier(2);
  std::promise<void> gate;
  std::shared_future<void> open = gate.get_future().share();
  std::atomic<int> derivations{0};
  std::atomic<bool> on_caller_thread{false};
  const auto caller = std::this_thread::get_id();
  auto derive = [&](bool result) {
    return std::function<bool()>([&, result] {
      ++derivations;
      if (std::this_thread::get_id() == caller) on_caller_thread = true;
      open.wait();  // holds every derivation until all checks are queued
      return result;
    });
  };
  auto a1 = verifier.async_verify("alice", derive(true), boost::asio::use_future);
  auto a2 = verifier.async_verify("alice", derive(true), boost::asio::use_future);
  auto a3 = verifier.async_verify("alice", derive(true), boost::asio::use_future);
  auto b = verifier.async_verify("bob", derive(false), boost::asio::use_future);
  CHECK(verifier.pending() == 4);
  gate.set_value();
  CHECK(a1.get());
  CHECK(a2.get());
  CHECK(a3.get());
  CHECK_FALSE(b.get());
  CHECK(derivations == 2);
  CHECK_FALSE(on_caller_thread);
  CHECK(verifier.pending() == 0);

  verifier.shutdown();  // afterwards: refused at once, nothing derived
  auto late = verifier.async_verify("carol", derive(true), boost::asio::use_future);
  CHECK_FALSE(late.get());
  CHECK(derivations == 2);
}

TEST_CASE("a verified Authorization header is answered from the cache, keyed by its exact bytes") {
  Authenticator auth(users_config());
  const std::string header = basic("alice:secret");
  REQUIRE(check(auth, header, "10.0.0.1").outcome == Authenticator::Outcome::Ok);
  auth.shutdown();  // from here on a cache miss cannot be verified: it is challenged
  auto hit = check(auth, header, "10.0.0.2");
  CHECK(hit.outcome == Authenticator::Outcome::Ok);
  CHECK(hit.user == "alice");
  // The same credentials spelt differently, and a header of the same length one byte off, are misses.
  CHECK(check(auth, "basic " + header.substr(6), "10.0.0.3").outcome == Authenticator::Outcome::Challenge);
  std::string off = header;
  off.back() = off.back() == 'A' ? 'B' : 'A';
  CHECK(check(auth, off, "10.0.0.4").outcome == Authenticator::Outcome::Challenge);
}

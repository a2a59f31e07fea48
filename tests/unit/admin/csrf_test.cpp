// CsrfTokens: a token is good for the user it was issued to, by the object that issued it, within its
// lifetime; anything else (another user, a changed byte, another process's key, too old) is refused.
#include <catch2/catch.hpp>

#include "dav115/admin/csrf.hpp"

using dav115::admin::CsrfTokens;
using namespace std::chrono_literals;

TEST_CASE("a CSRF token passes for its user and its issuer only") {
  CsrfTokens tokens;
  const auto t = tokens.issue("alice");
  CHECK(tokens.check("alice", t));
  CHECK_FALSE(tokens.check("bob", t));
  CHECK_FALSE(tokens.check("alice", ""));
  CHECK_FALSE(tokens.check("alice", "garbage"));
  CHECK_FALSE(tokens.check("alice", "1.2.3"));
  std::string tampered = t;
  tampered.back() = tampered.back() == '0' ? '1' : '0';
  CHECK_FALSE(tokens.check("alice", tampered));
  CsrfTokens restarted;  // a new key: pages served before a restart must be reloaded
  CHECK_FALSE(restarted.check("alice", t));
  CHECK(tokens.issue("alice") != t);  // per page: a fresh nonce each time
}

TEST_CASE("a CSRF token expires after its lifetime") {
  auto now = std::chrono::system_clock::now();
  CsrfTokens tokens(3600s, [&] { return now; });
  const auto t = tokens.issue("alice");
  now += 3599s;
  CHECK(tokens.check("alice", t));
  now += 2s;
  CHECK_FALSE(tokens.check("alice", t));
}

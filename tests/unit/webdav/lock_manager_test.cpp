#include <catch2/catch.hpp>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "dav115/webdav/lock_manager.hpp"

using namespace dav115::webdav;
using std::chrono::seconds;
using Status = LockOutcome::Status;

namespace {

// Time only moves when a test says so.
struct ManualLockClock {
  LockClock::time_point now{};
  void advance(seconds s) { now += s; }
};

struct LockFixture {
  ManualLockClock clock;
  LockManager locks;
  explicit LockFixture(LockOptions o = {}) : locks(o, [this] { return clock.now; }) {}

  LockOutcome take(std::string_view path, LockScope scope, bool infinite = false, bool collection = false,
                   std::string user = "alice", std::optional<seconds> timeout = std::nullopt) {
    LockRequest r;
    r.scope = scope;
    r.infinite = infinite;
    r.is_collection = collection;
    r.principal = std::move(user);
    r.owner_xml = "<D:href>mailto:x</D:href>";
    r.timeout = timeout;
    return locks.lock(path, std::move(r));
  }
  std::string token(std::string_view path, LockScope scope, bool infinite = false, bool collection = false,
                    std::string user = "alice") {
    LockOutcome o = take(path, scope, infinite, collection, std::move(user));
    REQUIRE(o.status == Status::Locked);
    return o.lock.token;
  }
};

constexpr auto kExcl = LockScope::Exclusive;
constexpr auto kShared = LockScope::Shared;
const std::vector<std::string> kNoTokens;
constexpr WriteScope kContent{};
constexpr WriteScope kMember{false, true};
constexpr WriteScope kTree{true, true};

}  // namespace

TEST_CASE("locks: a new lock records what was asked") {
  LockFixture f;
  LockOutcome o = f.take("/a/f", kExcl);
  REQUIRE(o.status == Status::Locked);
  CHECK(o.lock.root == "/a/f");
  CHECK(o.lock.scope == kExcl);
  CHECK(o.lock.principal == "alice");
  CHECK(o.lock.owner_xml == "<D:href>mailto:x</D:href>");
  CHECK(o.lock.timeout == seconds(3600));
  CHECK(o.lock.expires == f.clock.now + seconds(3600));
  CHECK(o.lock.token.starts_with("urn:uuid:"));
  CHECK(f.locks.size() == 1);
}

TEST_CASE("locks: exclusive conflicts with everything on the same resource, shared only with exclusive") {
  LockFixture f;
  f.token("/a/f", kExcl);
  LockOutcome again = f.take("/a/f", kExcl, false, false, "bob");
  CHECK(again.status == Status::Conflict);
  CHECK(again.conflict == "/a/f");
  CHECK(f.take("/a/f", kShared).status == Status::Conflict);  // even for the lock's own creator
  CHECK(f.take("/a/g", kExcl).status == Status::Locked);    // a sibling is independent

  f.token("/s", kShared);
  CHECK(f.take("/s", kShared, false, false, "bob").status == Status::Locked);
  CHECK(f.take("/s", kExcl).status == Status::Conflict);
}

TEST_CASE("locks: depth infinity covers descendants, depth 0 on a collection does not") {
  LockFixture f;
  f.token("/c", kExcl, true, true);
  LockOutcome deep = f.take("/c/x/y", kShared);
  CHECK(deep.status == Status::Conflict);
  CHECK(deep.conflict == "/c");
  CHECK(f.take("/cx", kExcl).status == Status::Locked);  // a name that merely starts the same

  f.token("/d", kExcl, false, true);  // depth 0
  CHECK(f.take("/d/x", kExcl).status == Status::Locked);
}

TEST_CASE("locks: a depth-infinity request conflicts with a lock below it") {
  LockFixture f;
  f.token("/c/x/y", kExcl);
  LockOutcome o = f.take("/c", kExcl, true, true);
  CHECK(o.status == Status::Conflict);
  CHECK(o.conflict == "/c/x/y");
  CHECK(f.take("/c", kShared, true, true).status == Status::Conflict);  // exclusive below still conflicts
  CHECK(f.take("/c", kExcl, false, true).status == Status::Locked);   // depth 0 leaves /c/x/y alone
}

TEST_CASE("locks: shared infinity above and shared below coexist") {
  LockFixture f;
  f.token("/c", kShared, true, true);
  CHECK(f.take("/c/x", kShared, false, false, "bob").status == Status::Locked);
  CHECK(f.take("/c/y", kExcl).status == Status::Conflict);
}

TEST_CASE("locks: depth infinity on a non-collection is depth 0") {
  LockFixture f;
  LockOutcome o = f.take("/f", kExcl, true, false);
  REQUIRE(o.status == Status::Locked);
  CHECK_FALSE(o.lock.infinite);
}

TEST_CASE("locks: the root is \"\", and \"/\" or a trailing slash mean the same path") {
  LockFixture f;
  LockOutcome root = f.take("/", kExcl, true, true);
  REQUIRE(root.status == Status::Locked);
  CHECK(root.lock.root == "");
  CHECK(f.take("/a", kShared).conflict == "");
  CHECK(f.locks.locks_covering("/a/b/").size() == 1);
  CHECK(f.locks.locks_covering("").size() == 1);
}

TEST_CASE("locks: timeouts are clamped between the minimum and the maximum") {
  LockOptions o;
  o.max_timeout = seconds(600);
  o.min_timeout = seconds(5);
  LockFixture f(o);
  CHECK(f.take("/1", kExcl, false, false, "a", seconds(100)).lock.timeout == seconds(100));
  CHECK(f.take("/2", kExcl, false, false, "a", seconds::max()).lock.timeout == seconds(600));  // Infinite
  CHECK(f.take("/3", kExcl, false, false, "a", std::nullopt).lock.timeout == seconds(600));
  CHECK(f.take("/4", kExcl, false, false, "a", seconds(0)).lock.timeout == seconds(5));
  CHECK(f.take("/5", kExcl, false, false, "a", seconds(100000)).lock.timeout == seconds(600));
}

TEST_CASE("locks: a lock expires at its timeout, on the injected clock") {
  LockFixture f;
  std::string t = f.take("/f", kExcl, false, false, "alice", seconds(10)).lock.token;
  f.clock.advance(seconds(9));
  CHECK(f.locks.locks_covering("/f").size() == 1);
  CHECK(f.locks.check_write("/f", kContent, kNoTokens, "bob") == "/f");
  f.clock.advance(seconds(1));
  CHECK(f.locks.locks_covering("/f").empty());
  CHECK(f.locks.check_write("/f", kContent, kNoTokens, "bob") == std::nullopt);
  CHECK(f.locks.unlock("/f", t, "alice") == UnlockStatus::NoSuchLock);
  CHECK(f.locks.refresh("/f", t, std::nullopt) == std::nullopt);
  CHECK(f.take("/f", kExcl, false, false, "bob").status == Status::Locked);
  CHECK(f.locks.size() == 1);
}

TEST_CASE("locks: refresh restarts the timer, also through a resource the lock covers") {
  LockFixture f;
  std::string t = f.token("/c", kExcl, true, true);
  f.clock.advance(seconds(3000));
  std::optional<Lock> r = f.locks.refresh("/c/sub/file", t, seconds(3600));  // litmus indirect_refresh
  REQUIRE(r);
  CHECK(r->root == "/c");
  CHECK(r->expires == f.clock.now + seconds(3600));
  f.clock.advance(seconds(1000));  // past the original expiry
  REQUIRE(f.locks.locks_covering("/c").size() == 1);
  CHECK(f.locks.locks_covering("/c")[0].expires == r->expires);
  f.clock.advance(seconds(2600));
  CHECK(f.locks.locks_covering("/c").empty());
}

TEST_CASE("locks: refresh with a wrong token, or from outside the lock's scope, fails") {
  LockFixture f;
  std::string t = f.token("/a/f", kExcl);
  CHECK(f.locks.refresh("/a/f", t + "x", std::nullopt) == std::nullopt);
  CHECK(f.locks.refresh("/a/g", t, std::nullopt) == std::nullopt);
  CHECK(f.locks.refresh("/a", t, std::nullopt) == std::nullopt);  // depth 0: the parent is outside
  CHECK(f.locks.refresh("/a/f/", t, std::nullopt));
}

TEST_CASE("locks: unlock needs the token, a covered path, and (by default) the creator") {
  LockFixture f;
  std::string t = f.token("/c", kExcl, true, true);
  CHECK(f.locks.unlock("/c", "opaquelocktoken:foobar", "alice") == UnlockStatus::NoSuchLock);
  CHECK(f.locks.unlock("/other", t, "alice") == UnlockStatus::NoSuchLock);
  CHECK(f.locks.unlock("/c", t, "bob") == UnlockStatus::Forbidden);
  CHECK(f.locks.size() == 1);
  CHECK(f.locks.unlock("/c/deep/er", t, "alice") == UnlockStatus::Unlocked);
  CHECK(f.locks.size() == 0);
  CHECK(f.locks.unlock("/c", t, "alice") == UnlockStatus::NoSuchLock);
}

TEST_CASE("locks: with creator_only off, another user may unlock and write through the lock") {
  LockOptions o;
  o.creator_only = false;
  LockFixture f(o);
  std::string t = f.token("/f", kExcl);
  CHECK(f.locks.check_write("/f", kContent, {t}, "bob") == std::nullopt);
  CHECK(f.locks.unlock("/f", t, "bob") == UnlockStatus::Unlocked);
}

TEST_CASE("writes: a locked resource needs its token, from its creator") {
  LockFixture f;
  std::string t = f.token("/a/f", kExcl);
  std::string other = f.token("/a/g", kExcl);
  CHECK(f.locks.check_write("/a/f", kContent, kNoTokens, "alice") == "/a/f");
  CHECK(f.locks.check_write("/a/f", kContent, {other}, "alice") == "/a/f");
  CHECK(f.locks.check_write("/a/f", kContent, {t + "x"}, "alice") == "/a/f");  // cond_put_corrupt_token
  CHECK(f.locks.check_write("/a/f", kContent, {t}, "bob") == "/a/f");
  CHECK(f.locks.check_write("/a/f", kContent, {other, t}, "alice") == std::nullopt);
  CHECK(f.locks.check_write("/a/h", kMember, kNoTokens, "bob") == std::nullopt);  // unlocked parent
}

TEST_CASE("writes: an infinity lock guards every member, existing or new") {
  LockFixture f;
  std::string t = f.token("/c", kExcl, true, true);
  CHECK(f.locks.check_write("/c/lockme.txt", kMember, kNoTokens, "alice") == "/c");
  CHECK(f.locks.check_write("/c/a/b", kContent, kNoTokens, "alice") == "/c");
  CHECK(f.locks.check_write("/c/lockme.txt", kMember, {t}, "alice") == std::nullopt);
  CHECK(f.locks.check_write("/cx", kMember, kNoTokens, "alice") == std::nullopt);
}

TEST_CASE("writes: a depth-0 lock on a collection guards its member list, not its members") {
  LockFixture f;
  std::string t = f.token("/c", kExcl, false, true);
  CHECK(f.locks.check_write("/c/x", kContent, kNoTokens, "alice") == std::nullopt);  // PUT over /c/x
  CHECK(f.locks.check_write("/c/new", kMember, kNoTokens, "alice") == "/c");        // PUT, MKCOL, DELETE
  CHECK(f.locks.check_write("/c/new", kMember, {t}, "alice") == std::nullopt);
  CHECK(f.locks.check_write("/c/x/y", kMember, kNoTokens, "alice") == std::nullopt);  // a grandchild
}

TEST_CASE("writes: removing a tree needs a token for every locked resource in it") {
  LockFixture f;
  std::string y = f.token("/c/x/y", kExcl);
  std::string z = f.token("/c/z", kShared);
  f.token("/c/z", kShared, false, false, "alice");  // a second shared lock on the same resource
  CHECK(f.locks.check_write("/c", kContent, kNoTokens, "alice") == std::nullopt);  // PROPPATCH of /c
  CHECK(f.locks.check_write("/c", kTree, kNoTokens, "alice") == "/c/x/y");
  CHECK(f.locks.check_write("/c", kTree, {y}, "alice") == "/c/z");
  CHECK(f.locks.check_write("/c", kTree, {y, z}, "alice") == std::nullopt);  // one shared token is enough
  CHECK(f.locks.check_write("/", kTree, {y}, "alice") == "/c/z");             // from the root too
}

TEST_CASE("writes: each holder of a shared lock may write with its own token") {
  LockFixture f;
  std::string a = f.token("/s", kShared, false, false, "alice");
  std::string b = f.token("/s", kShared, false, false, "bob");
  CHECK(f.locks.check_write("/s", kContent, {a}, "alice") == std::nullopt);
  CHECK(f.locks.check_write("/s", kContent, {b}, "bob") == std::nullopt);
  CHECK(f.locks.check_write("/s", kContent, {b}, "alice") == "/s");  // bob's token is not alice's
  CHECK(f.locks.check_write("/s", kContent, kNoTokens, "carol") == "/s");
}

TEST_CASE("locks_covering: root-most first, inherited infinity locks included, depth-0 ancestors not") {
  LockFixture f;
  std::string top = f.token("/c", kShared, true, true);
  f.token("/c/x", kShared, false, true);  // depth 0: covers /c/x only
  std::string own = f.token("/c/x/f", kShared);
  std::vector<Lock> l = f.locks.locks_covering("/c/x/f");
  REQUIRE(l.size() == 2);
  CHECK(l[0].token == top);
  CHECK(l[1].token == own);
  CHECK(f.locks.locks_covering("/c/x").size() == 2);
  CHECK(f.locks.locks_covering("/elsewhere").empty());
}

TEST_CASE("remove_locks: the path and its subtree lose their locks; ancestors and look-alikes keep theirs") {
  LockFixture f;
  f.token("/a", kShared, false, true);
  f.token("/a/c", kShared, false, true);
  f.token("/a/c/d", kShared);
  f.token("/a/c/e/f", kShared);
  std::string lookalike = f.token("/a/cx", kShared);
  CHECK(f.locks.remove_locks("/a/c/") == 3);
  CHECK(f.locks.size() == 2);
  CHECK(f.locks.locks_covering("/a/cx")[0].token == lookalike);
  CHECK(f.locks.locks_covering("/a/c").empty());
  CHECK(f.take("/a/c/d", kExcl).status == Status::Locked);
}

TEST_CASE("remove_locks_below: the destination keeps its own lock") {
  LockFixture f;
  f.token("/d", kExcl, false, true);
  f.token("/d/old", kExcl);
  CHECK(f.locks.remove_locks_below("/d") == 1);
  CHECK(f.locks.locks_covering("/d").size() == 1);
  CHECK(f.locks.locks_covering("/d/old").empty());
}

TEST_CASE("locks: max_locks refuses more until some expire") {
  LockOptions o;
  o.max_locks = 2;
  LockFixture f(o);
  f.take("/1", kExcl, false, false, "a", seconds(10));
  f.take("/2", kExcl, false, false, "a", seconds(100));
  CHECK(f.take("/3", kExcl).status == Status::TooManyLocks);
  f.clock.advance(seconds(10));
  CHECK(f.take("/3", kExcl).status == Status::Locked);
}

TEST_CASE("locks: concurrent exclusive LOCKs of one resource grant exactly one") {
  LockManager locks;
  std::atomic<int> granted{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      for (int round = 0; round < 200; ++round) {
        LockRequest r;
        r.principal = "user" + std::to_string(i);
        if (locks.lock("/race/" + std::to_string(round), std::move(r)).status == Status::Locked) ++granted;
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(granted == 200);
  CHECK(locks.size() == 200);
}

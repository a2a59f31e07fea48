#pragma once
// WebDAV class 2 write locks (RFC 4918 §6, §7, §9.10, §9.11), in memory only: a restart forgets every
// lock, which clients survive (their next write answers 412/423 and they lock again). Thread-safe.
//
// Resources are named by a normalised path the caller builds from the decoded request path: "/a/b",
// segments joined by '/', no trailing slash. The root is "" ("/" is accepted and means the same; so
// is any trailing '/'). The manager never looks at the tree: whether a path is a collection, or
// exists, is the caller's business.
//
// What "locked" means here:
//  - A lock covers its root, and with depth infinity (collections only) everything below the root.
//  - Exclusive conflicts with any lock covering the same resources; shared only with exclusive.
//  - A resource is writable when no lock covers it, or when the request submits the token of at
//    least one lock covering it (if the creator check is on, the lock's creator must be the one
//    submitting it: §6.4). One token suffices because the covering locks are either a single
//    exclusive lock or only shared ones, and a shared lock exists precisely so that each of its
//    holders may write.
#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace dav115::webdav {

enum class LockScope { Exclusive, Shared };

using LockClock = std::chrono::steady_clock;

struct Lock {
  std::string token;      // "urn:uuid:..."
  std::string root;       // normalised path of the lock root
  LockScope scope = LockScope::Exclusive;
  bool infinite = false;  // depth infinity; always false for a lock on a non-collection
  std::string owner_xml;  // the client's DAV:owner content, echoed back (see lock_xml.hpp)
  std::string principal;  // the authenticated user who created it ("" when anonymous)
  std::chrono::seconds timeout{0};  // as granted
  LockClock::time_point expires;
};

struct LockOptions {
  // Requests for more (or for Infinite, or with no Timeout header at all) get this much.
  std::chrono::seconds max_timeout{3600};
  // Requests for less (Second-0 ...) get this much, so a lock outlives its own LOCK response.
  std::chrono::seconds min_timeout{1};
  // A flood of LOCKs (each one also creates an empty file when the URL is unmapped) stops here.
  std::size_t max_locks = 10000;
  // Only the creator may UNLOCK (403 for anyone else) or write through the lock (§6.4). Turn off when
  // several users legitimately share locks, or when nobody authenticates.
  bool creator_only = true;
};

struct LockRequest {
  LockScope scope = LockScope::Exclusive;
  bool infinite = true;  // Depth: infinity (the LOCK default); reduced to 0 unless is_collection
  bool is_collection = false;
  std::string owner_xml;
  std::string principal;
  std::optional<std::chrono::seconds> timeout;  // from parse_timeout(); nullopt = no preference
};

struct LockOutcome {
  enum class Status {
    Locked,       // `lock` is the new lock (200, or 201 when the handler created the resource)
    Conflict,     // 423 with DAV:no-conflicting-lock naming `conflict`
    TooManyLocks  // 503: max_locks reached
  };
  Status status = Status::Locked;
  Lock lock;
  std::string conflict;  // the root of a lock in the way
};

enum class UnlockStatus {
  Unlocked,
  NoSuchLock,  // 409 DAV:lock-token-matches-request-uri: unknown, expired, or not covering the path
  Forbidden,   // 403: another user's lock (creator_only)
};

// What a write touches besides the resource's own content and properties.
struct WriteScope {
  // Everything below the path too: DELETE or MOVE of a collection, and a COPY/MOVE destination
  // collection that gets replaced.
  bool subtree = false;
  // The path's parent gains or loses a member: creating (PUT of a new file, MKCOL, COPY/MOVE to a new
  // destination, LOCK of an unmapped URL) or removing (DELETE, MOVE source). A depth-0 lock on a
  // collection protects its member list (§7.5), so its token is needed as well.
  bool membership = false;
};

class LockManager {
 public:
  using Clock = std::function<LockClock::time_point()>;

  explicit LockManager(LockOptions options = {}, Clock clock = &LockClock::now);

  // A new lock on `path`, unless an existing one conflicts.
  LockOutcome lock(std::string_view path, LockRequest request);

  // Restarts the timer of the lock `token` (LOCK with an empty body; the token comes from the If
  // header). nullopt (412) when no such lock covers `path`: the request URI may be any resource the
  // lock covers, not only its root (litmus indirect_refresh).
  std::optional<Lock> refresh(std::string_view path, std::string_view token,
                              std::optional<std::chrono::seconds> timeout);

  // Removes the lock `token` (UNLOCK's Lock-Token header) if it covers `path`.
  UnlockStatus unlock(std::string_view path, std::string_view token, std::string_view principal);

  // Every lock covering `path`, root-most first: DAV:lockdiscovery, and the lock tokens of a
  // resource when evaluating the If header.
  std::vector<Lock> locks_covering(std::string_view path);

  // nullopt when the write may go ahead; otherwise the root of a lock whose token is missing
  // (423 with DAV:lock-token-submitted naming it). `tokens` are submitted_lock_tokens() of the If
  // header; `principal` the authenticated user.
  std::optional<std::string> check_write(std::string_view path, WriteScope scope,
                                         const std::vector<std::string>& tokens, std::string_view principal);

  // After a successful DELETE, or MOVE (source): locks never move or get copied (§7.7), they go.
  // Removes the locks rooted at `path` or below it; returns how many.
  std::size_t remove_locks(std::string_view path);
  // After a COPY/MOVE replaced the destination `path`: the old members below it are gone and their
  // locks with them, while a lock on `path` itself stays, as it does across a PUT.
  std::size_t remove_locks_below(std::string_view path);

  // The manager's clock, for rendering the time a lock has left.
  LockClock::time_point now() const { return clock_(); }
  std::size_t size();  // live locks

 private:
  using ByRoot = std::multimap<std::string, Lock, std::less<>>;

  void sweep_expired();
  std::vector<const Lock*> covering(std::string_view path) const;
  std::vector<ByRoot::iterator> below(std::string_view path);
  const Lock* blocking_lock(std::string_view path, const std::vector<std::string>& tokens,
                            std::string_view principal) const;
  ByRoot::iterator find_token(std::string_view token);
  void erase(ByRoot::iterator it);
  std::chrono::seconds granted(std::optional<std::chrono::seconds> asked) const;

  const LockOptions options_;
  const Clock clock_;
  std::mutex mutex_;
  ByRoot by_root_;
  std::unordered_map<std::string, ByRoot::iterator> by_token_;
  std::set<std::pair<LockClock::time_point, std::string>> by_expiry_;
};

}  // namespace dav115::webdav

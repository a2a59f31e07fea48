#include "dav115/webdav/lock_manager.hpp"

#include <algorithm>

#include "dav115/webdav/lock_token.hpp"

namespace dav115::webdav {
namespace {

// "/a/b/" -> "/a/b", "/" -> "": one spelling per resource, so map keys compare equal.
std::string_view normalise(std::string_view path) {
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  return path;
}

// True when `path` is strictly below `ancestor` ("" is the ancestor of every other path).
bool is_below(std::string_view path, std::string_view ancestor) {
  return path.size() > ancestor.size() && path.starts_with(ancestor) && path[ancestor.size()] == '/';
}

bool covers(const Lock& lock, std::string_view path) {
  return lock.root == path || (lock.infinite && is_below(path, lock.root));
}

bool conflicts(LockScope a, LockScope b) { return a == LockScope::Exclusive || b == LockScope::Exclusive; }

}  // namespace

LockManager::LockManager(LockOptions options, Clock clock) : options_(options), clock_(std::move(clock)) {}

// Expired locks are removed before any question is answered, so nothing else checks `expires`.
void LockManager::sweep_expired() {
  const LockClock::time_point now = clock_();
  while (!by_expiry_.empty() && by_expiry_.begin()->first <= now) {
    auto it = find_token(by_expiry_.begin()->second);
    if (it == by_root_.end()) by_expiry_.erase(by_expiry_.begin());  // cannot happen; never loop forever
    erase(it);
  }
}

std::vector<const Lock*> LockManager::covering(std::string_view path) const {
  std::vector<const Lock*> out;
  // The root, each ancestor, then the path itself: only there can a covering lock be rooted.
  auto visit = [&](std::string_view prefix) {
    auto [first, last] = by_root_.equal_range(prefix);
    for (auto it = first; it != last; ++it)
      if (covers(it->second, path)) out.push_back(&it->second);
  };
  visit("");
  for (std::size_t i = 1; i <= path.size(); ++i)
    if (i == path.size() || path[i] == '/') visit(path.substr(0, i));
  return out;
}

std::vector<LockManager::ByRoot::iterator> LockManager::below(std::string_view path) {
  std::string prefix = std::string(path) + '/';
  std::vector<ByRoot::iterator> out;
  for (auto it = by_root_.lower_bound(prefix); it != by_root_.end() && it->first.starts_with(prefix); ++it)
    out.push_back(it);
  return out;
}

const Lock* LockManager::blocking_lock(std::string_view path, const std::vector<std::string>& tokens,
                                       std::string_view principal) const {
  std::vector<const Lock*> locks = covering(path);
  if (locks.empty()) return nullptr;
  for (const Lock* l : locks) {
    bool submitted = std::find(tokens.begin(), tokens.end(), l->token) != tokens.end();
    if (submitted && (!options_.creator_only || l->principal == principal)) return nullptr;
  }
  return locks.front();
}

LockManager::ByRoot::iterator LockManager::find_token(std::string_view token) {
  auto it = by_token_.find(std::string(token));
  return it == by_token_.end() ? by_root_.end() : it->second;
}

void LockManager::erase(ByRoot::iterator it) {
  if (it == by_root_.end()) return;
  by_expiry_.erase({it->second.expires, it->second.token});
  by_token_.erase(it->second.token);
  by_root_.erase(it);
}

std::chrono::seconds LockManager::granted(std::optional<std::chrono::seconds> asked) const {
  if (!asked) return options_.max_timeout;
  return std::clamp(*asked, std::min(options_.min_timeout, options_.max_timeout), options_.max_timeout);
}

LockOutcome LockManager::lock(std::string_view path, LockRequest request) {
  path = normalise(path);
  std::lock_guard guard(mutex_);
  sweep_expired();
  LockOutcome out;
  const bool infinite = request.infinite && request.is_collection;

  std::vector<const Lock*> in_the_way = covering(path);
  if (infinite)
    for (ByRoot::iterator it : below(path)) in_the_way.push_back(&it->second);
  for (const Lock* l : in_the_way) {
    if (conflicts(request.scope, l->scope)) {
      out.status = LockOutcome::Status::Conflict;
      out.conflict = l->root;
      return out;
    }
  }
  if (by_root_.size() >= options_.max_locks) {
    out.status = LockOutcome::Status::TooManyLocks;
    return out;
  }

  Lock& l = out.lock;
  l.token = new_lock_token();
  l.root = std::string(path);
  l.scope = request.scope;
  l.infinite = infinite;
  l.owner_xml = std::move(request.owner_xml);
  l.principal = std::move(request.principal);
  l.timeout = granted(request.timeout);
  l.expires = clock_() + l.timeout;
  auto it = by_root_.emplace(l.root, l);
  by_token_.emplace(l.token, it);
  by_expiry_.emplace(l.expires, l.token);
  return out;
}

std::optional<Lock> LockManager::refresh(std::string_view path, std::string_view token,
                                         std::optional<std::chrono::seconds> timeout) {
  path = normalise(path);
  std::lock_guard guard(mutex_);
  sweep_expired();
  auto it = find_token(token);
  if (it == by_root_.end() || !covers(it->second, path)) return std::nullopt;
  Lock& l = it->second;
  by_expiry_.erase({l.expires, l.token});
  l.timeout = granted(timeout);
  l.expires = clock_() + l.timeout;
  by_expiry_.emplace(l.expires, l.token);
  return l;
}

UnlockStatus LockManager::unlock(std::string_view path, std::string_view token, std::string_view principal) {
  path = normalise(path);
  std::lock_guard guard(mutex_);
  sweep_expired();
  auto it = find_token(token);
  if (it == by_root_.end() || !covers(it->second, path)) return UnlockStatus::NoSuchLock;
  if (options_.creator_only && it->second.principal != principal) return UnlockStatus::Forbidden;
  erase(it);
  return UnlockStatus::Unlocked;
}

std::vector<Lock> LockManager::locks_covering(std::string_view path) {
  path = normalise(path);
  std::lock_guard guard(mutex_);
  sweep_expired();
  std::vector<Lock> out;
  for (const Lock* l : covering(path)) out.push_back(*l);
  return out;
}

std::optional<std::string> LockManager::check_write(std::string_view path, WriteScope scope,
                                                    const std::vector<std::string>& tokens,
                                                    std::string_view principal) {
  path = normalise(path);
  std::lock_guard guard(mutex_);
  sweep_expired();
  if (const Lock* l = blocking_lock(path, tokens, principal)) return l->root;
  if (scope.membership && !path.empty()) {
    std::string_view parent = path.substr(0, path.rfind('/'));
    if (const Lock* l = blocking_lock(parent, tokens, principal)) return l->root;
  }
  if (scope.subtree) {
    // Every locked resource below must be unlocked by a token as well (several locks may share a root).
    for (ByRoot::iterator it : below(path))
      if (const Lock* l = blocking_lock(it->first, tokens, principal)) return l->root;
  }
  return std::nullopt;
}

std::size_t LockManager::remove_locks(std::string_view path) {
  path = normalise(path);
  std::lock_guard guard(mutex_);
  std::vector<ByRoot::iterator> doomed = below(path);
  auto [first, last] = by_root_.equal_range(path);
  for (auto it = first; it != last; ++it) doomed.push_back(it);
  for (ByRoot::iterator it : doomed) erase(it);
  return doomed.size();
}

std::size_t LockManager::remove_locks_below(std::string_view path) {
  path = normalise(path);
  std::lock_guard guard(mutex_);
  std::vector<ByRoot::iterator> doomed = below(path);
  for (ByRoot::iterator it : doomed) erase(it);
  return doomed.size();
}

std::size_t LockManager::size() {
  std::lock_guard guard(mutex_);
  sweep_expired();
  return by_root_.size();
}

}  // namespace dav115::webdav

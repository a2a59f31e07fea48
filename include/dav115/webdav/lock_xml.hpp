#pragma once
// The XML of locking: the LOCK request body (RFC 4918 §9.10, §14.11 lockinfo) in, and the
// lockdiscovery / supportedlock properties (§15.8, §15.10) and the LOCK answer out. Rendered with the
// D: prefix for DAV:, which the enclosing document must declare (the LOCK answer declares it itself).
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "dav115/webdav/lock_manager.hpp"

namespace dav115::webdav {

struct LockInfo {
  LockScope scope = LockScope::Exclusive;
  // The content of DAV:owner, re-serialised so it stands on its own inside our own documents: text
  // exactly as sent (escaped), elements with the namespace declarations they had in scope copied
  // onto them, comments and processing instructions dropped. Empty when there was no owner.
  std::string owner_xml;
};

// A LOCK body the server must answer with 400: not XML, DTDs, no DAV:lockinfo root, a lockscope
// other than exactly one of exclusive/shared, a locktype other than write, an oversized owner.
struct LockBodyError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The owner is kept with every lock and shown to every PROPFIND: this much is plenty for a name,
// an href or an email address.
inline constexpr std::size_t kMaxOwnerBytes = 2048;

// nullopt for an empty (or all-whitespace) body, which asks to refresh a lock (§9.10.2).
// Throws LockBodyError.
std::optional<LockInfo> parse_lock_body(std::string_view body);

// One <D:activelock>. `root_href` is the lock root's already percent-encoded href; the timeout
// shown is what is left at `now` (LockManager::now()), in whole seconds rounded up.
void append_activelock(std::string& out, const Lock& lock, std::string_view root_href, LockClock::time_point now);

// The DAV:lockdiscovery property element for LockManager::locks_covering(); `href_of` turns a lock
// root (a normalised path) into its encoded href. <D:lockdiscovery/> when there are no locks.
void append_lockdiscovery(std::string& out, const std::vector<Lock>& locks,
                          const std::function<std::string(std::string_view root)>& href_of,
                          LockClock::time_point now);

// The DAV:supportedlock property element: exclusive and shared write locks.
void append_supportedlock(std::string& out);

// The whole 200/201 answer to LOCK: <D:prop><D:lockdiscovery> with this one lock.
std::string lock_response_body(const Lock& lock, std::string_view root_href, LockClock::time_point now);

// A DAV:error body naming a failed precondition (§16), with the href it concerns when not empty:
// "lock-token-submitted" and "no-conflicting-lock" (423), "lock-token-matches-request-uri" (409).
std::string precondition_body(std::string_view condition, std::string_view href = {});

}  // namespace dav115::webdav

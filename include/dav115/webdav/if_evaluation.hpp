#pragma once
// Whether a parsed If header holds (RFC 4918 §10.4.3-§10.4.4). The handler answers 412 when it does
// not. The callbacks are synchronous: the handler looks up the ETags of the request URI and of the
// tagged resources (IfList::resource) before calling this.
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dav115/webdav/if_header.hpp"

namespace dav115::webdav {

// What a condition is compared with. An unmapped URL has no ETag and no locks: its plain
// conditions fail and its "Not" conditions hold (§10.4.4, "Handling Unmapped URLs").
struct ResourceState {
  std::optional<std::string> etag;       // the current ETag, quoted ("\"abc\""); nullopt when unmapped
  std::vector<std::string> lock_tokens;  // every lock whose scope includes the resource, inherited too
};

// Maps a Resource-Tag as written to the lock manager's normalised path; nullopt when it names
// nothing served here (another host, outside the mount, undecodable): its lists see an unmapped URL.
using ResolveTag = std::function<std::optional<std::string>(std::string_view tag)>;
// The state of a normalised path.
using StateOf = std::function<ResourceState(std::string_view path)>;

// True when at least one list holds; a list holds when all its conditions do. Untagged lists are
// evaluated against `request_path`, tagged ones against their own resource. ETags compare weakly
// (W/ ignored on both sides; §10.4.4 allows either function). "DAV:no-lock" is never a lock token,
// so (<DAV:no-lock>) is false and (Not <DAV:no-lock>) true.
bool if_header_holds(const IfHeader& header, std::string_view request_path, const ResolveTag& resolve,
                     const StateOf& state_of);

}  // namespace dav115::webdav

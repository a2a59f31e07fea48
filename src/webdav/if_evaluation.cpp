#include "dav115/webdav/if_evaluation.hpp"

#include <algorithm>

namespace dav115::webdav {
namespace {

std::string_view opaque_part(std::string_view etag) { return etag.starts_with("W/") ? etag.substr(2) : etag; }

bool condition_matches(const IfCondition& c, const ResourceState& state) {
  if (c.kind == IfCondition::Kind::EntityTag)
    return state.etag && opaque_part(*state.etag) == opaque_part(c.value);
  // Lock tokens are never "DAV:no-lock", so no special case is needed for it.
  return std::find(state.lock_tokens.begin(), state.lock_tokens.end(), c.value) != state.lock_tokens.end();
}

bool list_holds(const IfList& list, const ResourceState& state) {
  return std::all_of(list.conditions.begin(), list.conditions.end(),
                     [&](const IfCondition& c) { return condition_matches(c, state) != c.negated; });
}

}  // namespace

bool if_header_holds(const IfHeader& header, std::string_view request_path, const ResolveTag& resolve,
                     const StateOf& state_of) {
  for (const IfList& list : header.lists) {
    ResourceState state;  // unmapped unless the resource resolves
    if (!list.resource) {
      state = state_of(request_path);
    } else if (std::optional<std::string> path = resolve(*list.resource)) {
      state = state_of(*path);
    }
    if (list_holds(list, state)) return true;
  }
  return false;
}

}  // namespace dav115::webdav

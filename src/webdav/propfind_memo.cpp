#include "dav115/webdav/propfind_memo.hpp"

#include <algorithm>

namespace dav115::webdav {

std::shared_ptr<const PropfindRequest> PropfindMemo::parse(const std::string& body) {
  if (body.size() > kMaxBodyBytes) return std::make_shared<const PropfindRequest>(parse_propfind(body));
  {
    std::lock_guard lk(mu_);
    for (std::size_t i = 0; i < recent_.size(); ++i) {
      if (recent_[i].first != body) continue;
      auto found = recent_[i].second;
      if (i > 0) std::rotate(recent_.begin(), recent_.begin() + static_cast<std::ptrdiff_t>(i),
                             recent_.begin() + static_cast<std::ptrdiff_t>(i) + 1);
      return found;
    }
  }
  // Parsed outside the lock; a malformed body throws and is not kept.
  auto parsed = std::make_shared<const PropfindRequest>(parse_propfind(body));
  std::lock_guard lk(mu_);
  recent_.insert(recent_.begin(), {body, parsed});
  if (recent_.size() > kEntries) recent_.pop_back();
  return parsed;
}

}  // namespace dav115::webdav

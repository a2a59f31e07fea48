#pragma once
// The parsed form of the PROPFIND bodies seen last. A client sends the same body with every listing
// (rclone its four properties, Finder and Windows theirs), and parsing it was a tenth of a small
// Depth-1 answer's cost. Only small bodies are kept; a few at a time, most recently used first.
// Thread-safe.
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "dav115/webdav/propfind_request.hpp"

namespace dav115::webdav {

class PropfindMemo {
 public:
  static constexpr std::size_t kMaxBodyBytes = 4096;
  static constexpr std::size_t kEntries = 16;

  // parse_propfind(body), from memory when this body was parsed lately. Throws PropfindParseError.
  std::shared_ptr<const PropfindRequest> parse(const std::string& body);

 private:
  std::mutex mu_;
  std::vector<std::pair<std::string, std::shared_ptr<const PropfindRequest>>> recent_;
};

}  // namespace dav115::webdav

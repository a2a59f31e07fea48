#pragma once
// What every WebDAV request body shares: the namespaces we answer in, the nesting bound, and the
// error that means "answer 400".
#include <stdexcept>
#include <string_view>

namespace dav115::webdav {

inline constexpr std::string_view kDavNamespace = "DAV:";
inline constexpr std::string_view kOwncloudNamespace = "http://owncloud.org/ns";

// A body the server must answer with 400 (malformed XML, DOCTYPE, too deep, bad namespaces, ...).
struct XmlBodyError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Elements may nest this deep at most (dav-server-rs GHSA-jj29-x8v4-w733 used the same bound).
inline constexpr int kMaxXmlDepth = 64;

}  // namespace dav115::webdav

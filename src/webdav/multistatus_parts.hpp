#pragma once
// Pieces of a 207 Multi-Status body shared by the PROPFIND and PROPPATCH renderers (private to
// webdav/). Our output binds D: to DAV:, O: to the ownCloud namespace, and X0, X1, ... to the client's
// own namespaces, each declared once on the root element; it never declares a default namespace.
#include <string>
#include <string_view>
#include <unordered_map>

#include "dav115/webdav/propfind_request.hpp"

namespace dav115::webdav::multistatus_parts {

// `<?xml ...?><D:multistatus xmlns:D="DAV:" xmlns:O="..."`: the caller appends the client's
// declarations and '>'.
inline constexpr std::string_view kRootStart =
    R"(<?xml version="1.0" encoding="utf-8"?><D:multistatus xmlns:D="DAV:" xmlns:O="http://owncloud.org/ns")";

// The client's namespaces, each bound once to a generated prefix (X0, X1, ...) on the root element.
// Binding one on every empty element made a 65 KB request naming 3,600 properties in a 30 KB
// namespace cost a 108 MB answer for one file.
class ForeignNamespaces {
 public:
  std::string_view prefix(std::string_view ns);
  // ` xmlns:X0="..."` for every prefix handed out, for the root element.
  const std::string& declarations() const { return declarations_; }

 private:
  std::unordered_map<std::string_view, std::string> prefix_of_;  // views: callers keep the URIs alive
  std::string declarations_;
  std::string_view last_ns_, last_prefix_;
};

// The empty element of a property in our output: "<D:getetag/>", "<X0:foo/>", or "<foo/>" for a
// property in no namespace.
std::string empty_element(const PropertyName& name, ForeignNamespaces& namespaces);

// `<D:propstat><D:prop>props</D:prop><D:status>status</D:status>error</D:propstat>`; `error` is
// an optional `<D:error>...</D:error>` (RFC 4918 §14.22: after the status).
void append_propstat(std::string& out, std::string_view props, std::string_view status, std::string_view error = {});

}  // namespace dav115::webdav::multistatus_parts

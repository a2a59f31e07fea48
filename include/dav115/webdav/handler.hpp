#pragma once
// The WebDAV protocol layer: OPTIONS, PROPFIND, and 405 for every write method. It turns a
// util::HttpRequest into a util::HttpResponse using the vfs tree; GET/HEAD belong to delivery/.
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <string>
#include <string_view>

#include "dav115/util/http_types.hpp"
#include "dav115/vfs/tree.hpp"

namespace dav115::webdav {

struct Options {
  std::string mount_path = "/";                // begins and ends with '/'
  std::chrono::seconds client_deadline{25};    // how long a PROPFIND may wait for upstream before 503
  // A PROPFIND naming more properties than this is answered 422 (limits.max_propfind_properties).
  std::size_t max_propfind_properties = 200;
};

// What OPTIONS advertises and 405 answers carry.
inline constexpr std::string_view kAllowedMethods = "OPTIONS, GET, HEAD, PROPFIND";

class Handler {
 public:
  Handler(vfs::Tree& tree, Options opts);

  // OPTIONS, PROPFIND, and 405 for write methods. GET/HEAD are not handled here (delivery does them).
  boost::asio::awaitable<util::HttpResponse> handle(const util::HttpRequest& req);

  // True for OPTIONS, PROPFIND and the write methods (PUT, DELETE, MKCOL, COPY, MOVE, PROPPATCH,
  // LOCK, UNLOCK, POST).
  static bool handles(std::string_view method);

 private:
  boost::asio::awaitable<util::HttpResponse> propfind(const util::HttpRequest& req);

  vfs::Tree& tree_;
  Options opts_;
  std::string mount_href_;  // mount_path percent-encoded, ending in '/'
};

// OPTIONS answer (any path, no authentication needed): DAV class 1, MS-Author-Via, Allow.
util::HttpResponse options_response();

// 405 for a write method on this read-only gateway, with the Allow header RFC 9110 requires.
util::HttpResponse method_not_allowed_response();

}  // namespace dav115::webdav

#pragma once
// The WebDAV protocol layer: OPTIONS, PROPFIND and the writes (PUT, MKCOL, DELETE, COPY, MOVE). It
// turns a util::HttpRequest into a util::HttpResponse using the vfs tree; GET/HEAD belong to delivery/.
#include <boost/asio/awaitable.hpp>
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "dav115/store/property_store_async.hpp"
#include "dav115/store/spool.hpp"
#include "dav115/util/http_types.hpp"
#include "dav115/vfs/tree.hpp"
#include "dav115/webdav/lock_manager.hpp"
#include "dav115/webdav/propfind_memo.hpp"
#include "dav115/webdav/rendered_listings.hpp"

namespace dav115::webdav {

struct Options {
  std::string mount_path = "/";                // begins and ends with '/'
  std::chrono::seconds client_deadline{25};    // how long a PROPFIND may wait for upstream before 503
  // A PROPFIND naming more properties than this is answered 422 (limits.max_propfind_properties).
  std::size_t max_propfind_properties = 200;
  // Writes: off when read_only (class 1, 405 for every write method). `may_write` tells whether an
  // authenticated user may write (anonymous users never do). `spool` stages PUT bodies.
  bool read_only = true;
  std::function<bool(std::string_view user)> may_write;
  std::shared_ptr<store::Spool> spool;
  std::string realm = "dav115";  // for the 401 challenge an anonymous writer gets
  LockOptions locks;
  // Dead properties and client-set times (PROPPATCH, X-OC-Mtime); null = PROPPATCH answers 403.
  std::shared_ptr<store::PropertyStoreAsync> properties;
  // Bytes of rendered Depth-1 children kept for reuse (RenderedListings); 0 = render every time.
  std::size_t rendered_listing_bytes = 64 << 20;
};

// What OPTIONS advertises and 405 answers carry on a read-only gateway.
inline constexpr std::string_view kAllowedMethods = "OPTIONS, GET, HEAD, PROPFIND";
// ... and on a writable one.
inline constexpr std::string_view kAllowedMethodsWritable =
    "OPTIONS, GET, HEAD, PROPFIND, PROPPATCH, PUT, DELETE, MKCOL, COPY, MOVE, LOCK, UNLOCK";

class Handler {
 public:
  Handler(vfs::Tree& tree, Options opts);

  // OPTIONS, PROPFIND and the writes (405 for them when read-only). GET/HEAD are delivery's.
  boost::asio::awaitable<util::HttpResponse> handle(const util::HttpRequest& req);

  // True for OPTIONS, PROPFIND and the write methods (PUT, DELETE, MKCOL, COPY, MOVE, PROPPATCH,
  // LOCK, UNLOCK, POST).
  static bool handles(std::string_view method);

 private:
  // A resolved request path: the node (if it exists) and its parent folder (if that exists).
  struct Target;

  boost::asio::awaitable<util::HttpResponse> propfind(const util::HttpRequest& req);
  boost::asio::awaitable<util::HttpResponse> mkcol(const util::HttpRequest& req);
  boost::asio::awaitable<util::HttpResponse> remove(const util::HttpRequest& req);
  boost::asio::awaitable<util::HttpResponse> put(const util::HttpRequest& req);
  boost::asio::awaitable<util::HttpResponse> copy_or_move(const util::HttpRequest& req, bool is_move);
  boost::asio::awaitable<util::HttpResponse> lock(const util::HttpRequest& req);
  boost::asio::awaitable<util::HttpResponse> unlock(const util::HttpRequest& req);
  boost::asio::awaitable<util::HttpResponse> proppatch(const util::HttpRequest& req);

  // The If header (412 when it does not hold; 400 when malformed) and the locks (423 when a token is
  // missing) for a write touching `segments` (NFC) whose current node is `node`. nullopt = go ahead.
  boost::asio::awaitable<std::optional<util::HttpResponse>> check_write_conditions(
      const util::HttpRequest& req, const std::vector<std::string>& segments, const std::optional<vfs::Node>& node,
      WriteScope scope, bool check_locks = true);
  // The locks alone (no If evaluation) for a second path a request touches (a COPY/MOVE destination).
  std::optional<util::HttpResponse> check_locks_only(const util::HttpRequest& req,
                                                     const std::vector<std::string>& segments, WriteScope scope);
  // The lock manager's name for a path, and the href of such a name.
  static std::string lock_path(const std::vector<std::string>& segments);
  std::string href_of_lock_path(std::string_view lock_path) const;

  // 401/403 when this request may not write; nullopt when it may.
  std::optional<util::HttpResponse> refuse_write(const util::HttpRequest& req) const;
  // Resolves `segments` (decoded, NFC) to node and parent. Throws vfs::BackendError.
  boost::asio::awaitable<Target> resolve(std::vector<std::string> segments, vfs::Deadline deadline);
  // Reads the PUT body into the spool. The error response, or the staged file.
  boost::asio::awaitable<std::shared_ptr<store::StagedFile>> receive_body(const util::HttpRequest& req,
                                                                          std::optional<util::HttpResponse>& error);

  vfs::Tree& tree_;
  Options opts_;
  LockManager locks_;
  // Set once any dead property or client time was stored (or found at start-up).
  std::atomic<bool> client_state_exists_{false};
  std::string mount_href_;  // mount_path percent-encoded, ending in '/'
  std::unique_ptr<RenderedListings> rendered_;  // Depth-1 children, per listing version and property set
  PropfindMemo propfind_memo_;                  // the PROPFIND bodies clients keep sending, parsed
};

// OPTIONS answer (any path, no authentication needed): DAV class 1 (1, 2 when writable), MS-Author-Via, Allow.
util::HttpResponse options_response(bool writable = false);

// 405 for a write method on a read-only gateway, with the Allow header RFC 9110 requires.
util::HttpResponse method_not_allowed_response();

}  // namespace dav115::webdav

#pragma once
// The body of a PROPFIND 207, rendered as the client reads it. One response must not cost memory in
// proportion to its size: a 65 KB request naming long properties, Depth 1 on a 5,000-entry folder,
// asks for hundreds of megabytes. Most answers fit in kBufferedBytes and go out whole with a
// Content-Length; bigger ones are rendered entry by entry from the shared immutable listing, one
// chunk ahead of the socket.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>

#include "dav115/vfs/tree.hpp"
#include "dav115/util/http_types.hpp"
#include "dav115/vfs/tree.hpp"
#include "dav115/webdav/multistatus.hpp"
#include "dav115/webdav/rendered_listings.hpp"
#include <unordered_map>
#include "dav115/webdav/propfind_request.hpp"

namespace dav115::webdav {

// Answers up to this size are rendered at once and sent with a Content-Length (every listing of the
// benchmark's 1,000-entry folder, and anything Windows can use at all: it drops answers over 1 MB).
inline constexpr std::size_t kBufferedBytes = 1 << 20;

class PropfindBody : public util::BodySource {
 public:
  struct Parts {
    std::string parent_href;   // percent-encoded, ends in '/'
    std::string self_segment;  // decoded last segment of the request's own href, "" on the root
    vfs::Node self;
    bool self_is_root = false;
    std::optional<vfs::Quota> quota;
    std::shared_ptr<const vfs::Listing> listing;  // the children (Depth 1 on a folder), or null
    // Dead properties by object id (only those that have some); null when none were asked for.
    std::shared_ptr<const std::unordered_map<std::string, std::vector<store::DeadProperty>>> dead;
    // Times clients set (PROPPATCH, X-OC-Mtime) by object id; they replace 115's in getlastmodified
    // and creationdate. Null when there are none.
    std::shared_ptr<const std::unordered_map<std::string, store::ClientTimes>> times;
    // The listing's children already rendered for this request's property set (RenderedListings), or
    // null: each child is then rendered here.
    std::shared_ptr<const RenderedChildren> rendered;
  };
  // The href every child's begins with: the request's own, percent-encoded, ending in '/'.
  static std::string children_href_of(const Parts& parts);
  PropfindBody(const PropfindRequest& request, Parts parts);

  // Renders until at least `bytes` are waiting or the document is complete.
  void render(std::size_t bytes);
  bool complete() const { return closed_; }
  // The whole document, once complete() after render(); the body is spent afterwards.
  std::string take_all();

  boost::asio::awaitable<std::size_t> read(boost::asio::mutable_buffer buf) override;

 private:
  const std::vector<store::DeadProperty>* dead_of(const std::string& id) const;
  bool has_client_state(const std::string& id) const;
  // `node` itself, or a copy with the client's times when it set some.
  const vfs::Node& with_client_times(const vfs::Node& node);
  vfs::Node retimed_;
  Parts parts_;
  std::string children_href_;  // the request's own href: prefix of every child's
  MultistatusWriter writer_;
  std::size_t next_ = 0;  // 0: the request's own entry; i > 0: listing entry i - 1
  bool closed_ = false;
};

}  // namespace dav115::webdav

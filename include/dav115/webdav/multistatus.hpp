#pragma once
// Renders a PROPFIND 207 Multi-Status body by hand: compact (no whitespace, prefixes D: and O:, and
// X0, X1, ... for the client's own namespaces, each declared once on the root element), one buffer,
// no DOM. Windows treats a listing over 1,000,000 bytes as empty, and the benchmark wants
// 10,000-entry listings fast, so each entry costs a few appends and no allocation. The buffer can be
// drained as it fills (PropfindBody streams big responses that way).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dav115/vfs/tree.hpp"
#include "dav115/vfs/tree.hpp"
#include "dav115/webdav/propfind_request.hpp"

#include "dav115/store/property_store.hpp"

namespace dav115::webdav {

// The properties this server computes itself.
enum class LiveProperty {
  ResourceType,
  DisplayName,
  GetContentLength,
  GetLastModified,
  CreationDate,
  GetContentType,
  GetETag,
  Checksums,            // {http://owncloud.org/ns}checksums, files only
  QuotaAvailableBytes,  // RFC 4331, root only
  QuotaUsedBytes,
};

std::optional<LiveProperty> find_live_property(const PropertyName& name);

// True when the request names a quota property (the handler then fetches the quota, once). allprop
// shows quota on the mount root too, but only as a bonus: the handler fetches it without failing.
bool asks_for_quota(const PropfindRequest& request);

class MultistatusWriter {
 public:
  // `expected_responses` only sizes the buffer. The writer keeps no reference to `request`.
  MultistatusWriter(const PropfindRequest& request, std::size_t expected_responses);

  // One <D:response>. `href_prefix` is already percent-encoded and ends in '/'; `last_segment` is the
  // decoded name to append (encoded here), or empty for the href_prefix itself. Collections get a
  // trailing '/'. `is_root` enables the quota properties, `quota` their values (when asked).
  // `dead`: the node's dead properties (PROPPATCH), each a self-contained element.
  void add(std::string_view href_prefix, std::string_view last_segment, const vfs::Node& node, bool is_root,
           const vfs::Quota* quota = nullptr, const std::vector<store::DeadProperty>* dead = nullptr);

  // A <D:response> rendered earlier (RenderedListings), appended as it is.
  void add_rendered(std::string_view response) { out_ += response; }
  // The bytes of the last add(), until the next call that changes the buffer.
  std::string_view last_added() const { return std::string_view(out_).substr(last_start_); }
  // Drops everything rendered so far (used when rendering pieces to keep elsewhere).
  void discard() {
    out_.clear();
    taken_ = 0;
    last_start_ = 0;
  }

  // Bytes rendered and not yet taken.
  std::size_t pending() const { return out_.size() - taken_; }
  // Moves up to `n` rendered bytes to `dst`; returns how many.
  std::size_t take(char* dst, std::size_t n);
  // Ends the document; nothing may be added afterwards.
  void close();
  // What was rendered and not taken; the writer is spent afterwards.
  std::string release();
  // close() and release().
  std::string finish();

 private:
  struct Wanted {
    std::optional<LiveProperty> live;
    std::string empty_element;  // "<D:getetag/>", "<X0:foo/>": the 404 and propname form
    bool report_missing;        // asked by name; allprop's own list just leaves absent ones out
    std::size_t ns = 0;         // index into namespaces_ (one copy per URI: a request may name
    std::string local;          // thousands of properties in one huge namespace)
  };
  std::size_t ns_index(std::string_view ns);
  std::vector<std::string> namespaces_;
  void add_dead(const std::vector<store::DeadProperty>* dead);
  void render_value(LiveProperty p, const vfs::Node& node, bool is_root, const vfs::Quota* quota);

  PropfindRequest::Mode mode_;
  std::vector<Wanted> wanted_;
  std::string out_;
  std::size_t taken_ = 0;  // bytes at the front of out_ already taken
  std::string found_;    // this entry's 200 propstat contents, reused across entries
  std::string missing_;  // this entry's 404 propstat contents, reused across entries
  std::string segment_;  // the encoded last segment, before XML escaping
  std::size_t last_start_ = 0;  // where the last add()'s <D:response> begins in out_
};

}  // namespace dav115::webdav

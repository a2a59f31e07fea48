#pragma once
// Renders a PROPFIND 207 Multi-Status body by hand: compact (no whitespace, prefixes D: and O:),
// one growing buffer, no DOM. Windows treats a listing over 1,000,000 bytes as empty, and the
// benchmark wants 10,000-entry listings fast, so each entry costs a few appends and no allocation.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dav115/vfs/tree.hpp"
#include "dav115/vfs/tree.hpp"
#include "dav115/webdav/propfind_request.hpp"

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

// True when the request names a quota property (the handler then fetches the quota, once).
bool asks_for_quota(const PropfindRequest& request);

class MultistatusWriter {
 public:
  // `expected_responses` only sizes the buffer.
  MultistatusWriter(const PropfindRequest& request, std::size_t expected_responses);

  // One <D:response>. `href_prefix` is already percent-encoded and ends in '/'; `last_segment` is the
  // decoded name to append (encoded here), or empty for the href_prefix itself. Collections get a
  // trailing '/'. `is_root` enables the quota properties, `quota` their values (when asked).
  void add(std::string_view href_prefix, std::string_view last_segment, const vfs::Node& node, bool is_root,
           const vfs::Quota* quota = nullptr);

  // The finished document; the writer is spent afterwards.
  std::string finish();

 private:
  struct Wanted {
    std::optional<LiveProperty> live;
    const PropertyName* name;  // for unknown properties (and names in propname mode)
  };
  void render_value(LiveProperty p, const vfs::Node& node, bool is_root, const vfs::Quota* quota);
  void render_missing(const Wanted& w);

  const PropfindRequest& request_;
  std::vector<Wanted> wanted_;
  std::string out_;
  std::string found_;    // this entry's 200 propstat contents, reused across entries
  std::string missing_;  // this entry's 404 propstat contents, reused across entries
  std::string segment_;  // the encoded last segment, before XML escaping
};

}  // namespace dav115::webdav

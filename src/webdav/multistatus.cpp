#include "dav115/webdav/multistatus.hpp"

#include "dav115/util/text.hpp"

#include <array>
#include <charconv>

#include "dav115/serve/content_types.hpp"
#include "dav115/serve/entity_tags.hpp"
#include "dav115/serve/path_codec.hpp"
#include "dav115/webdav/xml_text.hpp"
#include "dav115/util/http_dates.hpp"

namespace dav115::webdav {
namespace {

struct LiveInfo {
  LiveProperty id;
  std::string_view ns;
  std::string_view local;
  std::string_view qname;  // as written in our output (prefix D: or O:)
};

constexpr std::array kLive{
    LiveInfo{LiveProperty::ResourceType, kDavNamespace, "resourcetype", "D:resourcetype"},
    LiveInfo{LiveProperty::DisplayName, kDavNamespace, "displayname", "D:displayname"},
    LiveInfo{LiveProperty::GetContentLength, kDavNamespace, "getcontentlength", "D:getcontentlength"},
    LiveInfo{LiveProperty::GetLastModified, kDavNamespace, "getlastmodified", "D:getlastmodified"},
    LiveInfo{LiveProperty::CreationDate, kDavNamespace, "creationdate", "D:creationdate"},
    LiveInfo{LiveProperty::GetContentType, kDavNamespace, "getcontenttype", "D:getcontenttype"},
    LiveInfo{LiveProperty::GetETag, kDavNamespace, "getetag", "D:getetag"},
    LiveInfo{LiveProperty::Checksums, kOwncloudNamespace, "checksums", "O:checksums"},
    LiveInfo{LiveProperty::QuotaAvailableBytes, kDavNamespace, "quota-available-bytes", "D:quota-available-bytes"},
    LiveInfo{LiveProperty::QuotaUsedBytes, kDavNamespace, "quota-used-bytes", "D:quota-used-bytes"},
};

// allprop returns the DAV: properties every client needs. Quota is left out (RFC 4331 §3: not part
// of allprop), and so are checksums, to keep Windows' allprop listings small; both come on request.
constexpr std::array kAllProp{LiveProperty::ResourceType,    LiveProperty::DisplayName,
                              LiveProperty::GetContentLength, LiveProperty::GetLastModified,
                              LiveProperty::CreationDate,    LiveProperty::GetContentType,
                              LiveProperty::GetETag};

const LiveInfo& info(LiveProperty p) { return kLive[static_cast<std::size_t>(p)]; }

void open_tag(std::string& out, std::string_view qname) {
  out += '<';
  out += qname;
  out += '>';
}

void close_tag(std::string& out, std::string_view qname) {
  out += "</";
  out += qname;
  out += '>';
}

void empty_tag(std::string& out, std::string_view qname) {
  out += '<';
  out += qname;
  out += "/>";
}

// An empty element for a property we do not know, in its own namespace.
void empty_foreign(std::string& out, const PropertyName& name) {
  out += '<';
  if (name.ns == kDavNamespace) {
    out += "D:";
    out += name.local;
  } else if (name.ns == kOwncloudNamespace) {
    out += "O:";
    out += name.local;
  } else if (name.ns.empty()) {
    out += name.local;  // no default namespace is in scope in our output, so this is "no namespace"
  } else {
    out += "X:";
    out += name.local;
    out += " xmlns:X=\"";
    append_xml_escaped(out, name.ns);
    out += '"';
  }
  out += "/>";
}

bool available(LiveProperty p, const vfs::Node& node, bool is_root, const vfs::Quota* quota) {
  switch (p) {
    case LiveProperty::Checksums:
      return !node.is_dir && !node.sha1.empty();
    case LiveProperty::QuotaAvailableBytes:
    case LiveProperty::QuotaUsedBytes:
      return is_root && quota != nullptr;
    default:
      return true;
  }
}

void append_propstat(std::string& out, const std::string& props, std::string_view status) {
  out += "<D:propstat><D:prop>";
  out += props;
  out += "</D:prop><D:status>";
  out += status;
  out += "</D:status></D:propstat>";
}

}  // namespace

std::optional<LiveProperty> find_live_property(const PropertyName& name) {
  for (const LiveInfo& li : kLive)
    if (li.local == name.local && li.ns == name.ns) return li.id;
  return std::nullopt;
}

bool asks_for_quota(const PropfindRequest& request) {
  if (request.mode == PropfindRequest::Mode::PropName) return false;  // names only, no values
  for (const PropertyName& p : request.props) {
    auto live = find_live_property(p);
    if (live == LiveProperty::QuotaAvailableBytes || live == LiveProperty::QuotaUsedBytes) return true;
  }
  return false;
}

MultistatusWriter::MultistatusWriter(const PropfindRequest& request, std::size_t expected_responses)
    : request_(request) {
  if (request.mode == PropfindRequest::Mode::AllProp) {
    for (LiveProperty p : kAllProp) wanted_.push_back({p, nullptr});
    for (const PropertyName& n : request.props) {
      auto live = find_live_property(n);
      bool duplicate = false;
      for (const Wanted& w : wanted_) duplicate = duplicate || (live && w.live == live);
      if (!duplicate) wanted_.push_back({live, &n});
    }
  } else if (request.mode == PropfindRequest::Mode::Prop) {
    for (const PropertyName& n : request.props) wanted_.push_back({find_live_property(n), &n});
  }
  out_.reserve(128 + expected_responses * 420);  // ~ one allprop entry with a medium-length name
  found_.reserve(512);
  missing_.reserve(128);
  out_ += R"(<?xml version="1.0" encoding="utf-8"?><D:multistatus xmlns:D="DAV:" xmlns:O="http://owncloud.org/ns">)";
}

void MultistatusWriter::render_value(LiveProperty p, const vfs::Node& node, bool is_root,
                                     const vfs::Quota* quota) {
  std::string& o = found_;
  const std::string_view q = info(p).qname;
  switch (p) {
    case LiveProperty::ResourceType:
      if (node.is_dir)
        o += "<D:resourcetype><D:collection/></D:resourcetype>";
      else
        o += "<D:resourcetype/>";
      return;
    case LiveProperty::DisplayName:
      if (node.name.empty()) return empty_tag(o, q);
      open_tag(o, q);
      append_xml_escaped(o, node.name);
      return close_tag(o, q);
    case LiveProperty::GetContentLength:
      open_tag(o, q);
      util::append_decimal(o, node.is_dir ? 0 : node.size);  // "0" on folders: Infuse needs it
      return close_tag(o, q);
    case LiveProperty::GetLastModified:
      open_tag(o, q);
      util::append_http_date(o, node.mtime);
      return close_tag(o, q);
    case LiveProperty::CreationDate:
      open_tag(o, q);
      util::append_rfc3339(o, node.ctime != 0 ? node.ctime : node.mtime);
      return close_tag(o, q);
    case LiveProperty::GetContentType:
      open_tag(o, q);
      o += node.is_dir ? serve::kDirectoryContentType : serve::content_type_for(node.name);
      return close_tag(o, q);
    case LiveProperty::GetETag:
      open_tag(o, q);
      serve::append_strong_etag(o, node);
      return close_tag(o, q);
    case LiveProperty::Checksums:
      o += "<O:checksums><O:checksum>SHA1:";
      append_xml_escaped(o, node.sha1);
      o += "</O:checksum></O:checksums>";
      return;
    case LiveProperty::QuotaAvailableBytes: {
      open_tag(o, q);
      std::uint64_t avail = quota->remain;
      if (avail == 0 && quota->total > quota->used) avail = quota->total - quota->used;
      util::append_decimal(o, avail);
      return close_tag(o, q);
    }
    case LiveProperty::QuotaUsedBytes:
      open_tag(o, q);
      util::append_decimal(o, quota->used);
      return close_tag(o, q);
  }
}

void MultistatusWriter::render_missing(const Wanted& w) {
  if (w.name)
    empty_foreign(missing_, *w.name);
  else
    empty_tag(missing_, info(*w.live).qname);
}

void MultistatusWriter::add(std::string_view href_prefix, std::string_view last_segment, const vfs::Node& node,
                            bool is_root, const vfs::Quota* quota) {
  found_.clear();
  missing_.clear();
  if (request_.mode == PropfindRequest::Mode::PropName) {
    for (const LiveInfo& li : kLive)
      if (available(li.id, node, is_root, quota) ||
          (is_root && (li.id == LiveProperty::QuotaAvailableBytes || li.id == LiveProperty::QuotaUsedBytes)))
        empty_tag(found_, li.qname);
  } else {
    for (const Wanted& w : wanted_) {
      if (w.live && available(*w.live, node, is_root, quota))
        render_value(*w.live, node, is_root, quota);
      else
        render_missing(w);
    }
  }

  out_ += "<D:response><D:href>";
  // Percent-encoded hrefs only contain pchar, '%' and '/', of which '&' and '\'' need XML escaping.
  append_xml_escaped(out_, href_prefix);
  if (!last_segment.empty()) {
    segment_.clear();
    serve::append_encoded_segment(segment_, last_segment);
    append_xml_escaped(out_, segment_);
    if (node.is_dir) out_ += '/';
  }
  out_ += "</D:href>";
  if (!found_.empty()) append_propstat(out_, found_, "HTTP/1.1 200 OK");
  if (!missing_.empty()) append_propstat(out_, missing_, "HTTP/1.1 404 Not Found");
  if (found_.empty() && missing_.empty()) append_propstat(out_, found_, "HTTP/1.1 200 OK");  // <prop/> asked
  out_ += "</D:response>";
}

std::string MultistatusWriter::finish() {
  out_ += "</D:multistatus>";
  return std::move(out_);
}

}  // namespace dav115::webdav

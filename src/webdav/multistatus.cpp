#include "dav115/webdav/multistatus.hpp"

#include "dav115/util/text.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>

#include "dav115/serve/content_types.hpp"
#include "dav115/serve/entity_tags.hpp"
#include "dav115/serve/path_codec.hpp"
#include "dav115/util/http_dates.hpp"
#include "dav115/webdav/xml_text.hpp"
#include "multistatus_parts.hpp"

namespace dav115::webdav {
namespace {

using multistatus_parts::append_propstat;
using multistatus_parts::empty_element;
using multistatus_parts::ForeignNamespaces;

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

// allprop returns the DAV: properties every client needs. Checksums are left out, to keep Windows'
// allprop listings small; they come on request. Quota comes on the mount root only: RFC 4331 §3 says
// allprop SHOULD NOT carry it, but the npm `webdav` client's getQuota() asks exactly that way.
constexpr std::array kAllProp{LiveProperty::ResourceType,       LiveProperty::DisplayName,
                              LiveProperty::GetContentLength,    LiveProperty::GetLastModified,
                              LiveProperty::CreationDate,        LiveProperty::GetContentType,
                              LiveProperty::GetETag,             LiveProperty::QuotaAvailableBytes,
                              LiveProperty::QuotaUsedBytes};

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

std::string empty_element(LiveProperty p) { return "<" + std::string(info(p).qname) + "/>"; }

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
    : mode_(request.mode) {
  ForeignNamespaces namespaces;
  if (request.mode == PropfindRequest::Mode::AllProp) {
    for (LiveProperty p : kAllProp) wanted_.push_back({p, empty_element(p), false, ns_index("DAV:"), {}});
    for (const PropertyName& n : request.props) {
      auto live = find_live_property(n);
      auto same = std::find_if(wanted_.begin(), wanted_.end(), [&](const Wanted& w) { return live && w.live == live; });
      if (same != wanted_.end())
        same->report_missing = true;  // <include>d by name: now a 404 where it is absent
      else
        wanted_.push_back({live, empty_element(n, namespaces), true, ns_index(n.ns), n.local});
    }
  } else if (request.mode == PropfindRequest::Mode::Prop) {
    for (const PropertyName& n : request.props)
      wanted_.push_back({find_live_property(n), empty_element(n, namespaces), true, ns_index(n.ns), n.local});
  }
  // Big answers are drained while they are rendered (PropfindBody): no need to reserve all of them.
  constexpr std::size_t kMaxReserve = 2 << 20;
  out_.reserve(std::min<std::size_t>(kMaxReserve, 256 + expected_responses * 420));  // ~ one allprop entry
  found_.reserve(512);
  missing_.reserve(128);
  out_ += multistatus_parts::kRootStart;
  out_ += namespaces.declarations();
  out_ += '>';
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
      append_xml_text(o, node.name);  // 115's names may hold U+FFFE and the like: never emit them raw
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
      append_xml_text(o, node.sha1);
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

void MultistatusWriter::add(std::string_view href_prefix, std::string_view last_segment, const vfs::Node& node,
                            bool is_root, const vfs::Quota* quota, const std::vector<store::DeadProperty>* dead) {
  found_.clear();
  missing_.clear();
  if (mode_ == PropfindRequest::Mode::PropName) {
    for (const LiveInfo& li : kLive)
      if (available(li.id, node, is_root, quota) ||
          (is_root && (li.id == LiveProperty::QuotaAvailableBytes || li.id == LiveProperty::QuotaUsedBytes)))
        empty_tag(found_, li.qname);
  } else {
    for (const Wanted& w : wanted_) {
      if (w.live && available(*w.live, node, is_root, quota)) {
        render_value(*w.live, node, is_root, quota);
        continue;
      }
      const store::DeadProperty* stored = nullptr;
      if (dead && !w.live)
        for (const auto& d : *dead)
          if (d.name == w.local && d.ns == namespaces_[w.ns]) stored = &d;
      if (stored) found_ += stored->value_xml;
      else if (w.report_missing) missing_ += w.empty_element;
    }
  }
  add_dead(dead);

  last_start_ = out_.size();
  out_ += "<D:response><D:href>";
  // Percent-encoded hrefs only contain pchar, '%' and '/', of which '&' and '\'' need XML escaping.
  append_xml_text(out_, href_prefix);
  if (!last_segment.empty()) {
    segment_.clear();
    serve::append_encoded_segment(segment_, last_segment);
    append_xml_text(out_, segment_);
    if (node.is_dir) out_ += '/';
  }
  out_ += "</D:href>";
  if (!found_.empty()) append_propstat(out_, found_, "HTTP/1.1 200 OK");
  if (!missing_.empty()) append_propstat(out_, missing_, "HTTP/1.1 404 Not Found");
  if (found_.empty() && missing_.empty()) append_propstat(out_, found_, "HTTP/1.1 200 OK");  // <prop/> asked
  out_ += "</D:response>";
}

std::size_t MultistatusWriter::ns_index(std::string_view ns) {
  for (std::size_t i = 0; i < namespaces_.size(); ++i)
    if (namespaces_[i] == ns) return i;
  namespaces_.emplace_back(ns);
  return namespaces_.size() - 1;
}

// allprop shows every dead property; propname their names. Each value declares its own namespaces.
void MultistatusWriter::add_dead(const std::vector<store::DeadProperty>* dead) {
  if (!dead || mode_ == PropfindRequest::Mode::Prop) return;
  for (const auto& d : *dead) {
    if (mode_ == PropfindRequest::Mode::AllProp) {
      found_ += d.value_xml;
      continue;
    }
    found_ += '<';
    found_ += d.name;
    found_ += " xmlns=\"";
    append_xml_attribute(found_, d.ns);
    found_ += "\"/>";
  }
}

std::size_t MultistatusWriter::take(char* dst, std::size_t n) {
  n = std::min(n, pending());
  std::memcpy(dst, out_.data() + taken_, n);
  taken_ += n;
  // Compact once the taken part is the larger one: each byte is moved at most once on average.
  if (taken_ * 2 >= out_.size()) {
    out_.erase(0, taken_);
    taken_ = 0;
  }
  return n;
}

void MultistatusWriter::close() { out_ += "</D:multistatus>"; }

std::string MultistatusWriter::release() {
  out_.erase(0, taken_);
  taken_ = 0;
  return std::move(out_);
}

std::string MultistatusWriter::finish() {
  close();
  return release();
}

}  // namespace dav115::webdav

#include "dav115/webdav/proppatch_request.hpp"

#include <pugixml.hpp>

#include <set>
#include <string>

#include "dav115/util/http_dates.hpp"
#include "dav115/webdav/multistatus.hpp"
#include "dav115/webdav/xml_text.hpp"
#include "xml_body.hpp"

namespace dav115::webdav {
namespace {

struct StringWriter : pugi::xml_writer {
  std::string out;
  void write(const void* data, std::size_t size) override { out.append(static_cast<const char*>(data), size); }
};

bool is_namespace_declaration(std::string_view attribute) {
  return attribute == "xmlns" || attribute.starts_with("xmlns:");
}

// The property element with every namespace declaration in scope copied onto it (and xml:lang,
// which RFC 4918 §4.3 asks servers to keep), so the text stands alone wherever it is echoed: our
// 207 binds other prefixes than the client's body did.
std::string self_contained(const pugi::xml_node& property) {
  pugi::xml_document holder;
  pugi::xml_node copy = holder.append_copy(property);
  std::set<std::string_view> present;  // declared on the element itself, or by a nearer ancestor
  for (const pugi::xml_attribute& a : property.attributes()) present.insert(a.name());
  for (pugi::xml_node up = property.parent(); up.type() == pugi::node_element; up = up.parent())
    for (const pugi::xml_attribute& a : up.attributes()) {
      std::string_view name = a.name();
      if ((is_namespace_declaration(name) || name == "xml:lang") && present.insert(name).second)
        copy.append_attribute(a.name()) = a.value();
    }
  StringWriter writer;
  copy.print(writer, "", pugi::format_raw | pugi::format_no_declaration, pugi::encoding_utf8);
  // pugixml decodes character references ("&#xFFFE;", "&#1;") into characters XML cannot hold.
  if (!is_xml_text(writer.out)) throw PropPatchParseError("a property value that is not UTF-8 XML text");
  return std::move(writer.out);
}

// The element's text, for the date properties; nullopt when it holds elements.
std::optional<std::string> text_of(const pugi::xml_node& node) {
  std::string text;
  for (const pugi::xml_node& c : node.children()) {
    if (c.type() == pugi::node_element) return std::nullopt;
    if (c.type() == pugi::node_pcdata || c.type() == pugi::node_cdata) text += c.value();
  }
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return std::string();
  return text.substr(first, text.find_last_not_of(" \t\r\n") - first + 1);
}

std::optional<std::int64_t> date_of(const pugi::xml_node& node) {
  auto text = text_of(node);
  return text ? util::parse_http_date(*text) : std::nullopt;
}

// RFC 4918 §15 and what this server computes: a client cannot set these. DAV:displayname is
// "SHOULD NOT be protected", but ours is the file name (rename with MOVE), so a dead copy would
// never be seen.
bool is_protected(const PropPatchItem& item) {
  if (item.ns == kDavNamespace && (item.local == "lockdiscovery" || item.local == "supportedlock")) return true;
  auto live = find_live_property(PropertyName{item.ns, item.local});
  return live && *live != LiveProperty::GetLastModified;
}

// Decides what the server does with `item` (see PropPatchItem).
void classify(PropPatchItem& item, const pugi::xml_node& node) {
  const bool set = item.action == PropPatchItem::Action::Set;
  if (item.ns == kDavNamespace && item.local == "getlastmodified") {
    // Live, but rclone, Finder and davfs2 set it to keep a file's time: it becomes the client mtime.
    item.dead = false;
    if (!set)
      item.refusal = 403;  // a live property cannot be removed
    else if (auto t = date_of(node))
      item.mtime = t;
    else
      item.refusal = 409;  // RFC 4918 §9.2.1: a value the property cannot take
    return;
  }
  if (is_protected(item)) {
    item.dead = false;
    item.refusal = 403;
    return;
  }
  if (item.ns == kMicrosoftNamespace && set) {
    // Windows sends all four Win32* properties after an upload and gives up on the copy if any of
    // them fails, so they are kept as dead properties whatever their text; a readable date also
    // becomes the client-set time.
    if (item.local == "Win32LastModifiedTime")
      item.mtime = date_of(node);
    else if (item.local == "Win32CreationTime")
      item.ctime = date_of(node);
  }
}

void collect(PropPatchRequest& req, PropPatchItem::Action action, const xml_body::Element& prop) {
  for (const xml_body::Element& p : prop.children) {
    xml_body::check_namespace(p.ns);
    xml_body::check_local_name(p.local);
    PropPatchItem item;
    item.action = action;
    item.ns = p.ns;
    item.local = p.local;
    if (action == PropPatchItem::Action::Set) item.value_xml = self_contained(p.node);
    classify(item, p.node);
    req.items.push_back(std::move(item));
  }
}

}  // namespace

bool PropPatchRequest::refused() const {
  for (const PropPatchItem& i : items)
    if (i.refusal != 0) return true;
  return false;
}

std::optional<std::int64_t> PropPatchRequest::mtime() const {
  std::optional<std::int64_t> t;
  for (const PropPatchItem& i : items)
    if (i.mtime) t = i.mtime;
  return t;
}

std::optional<std::int64_t> PropPatchRequest::ctime() const {
  std::optional<std::int64_t> t;
  for (const PropPatchItem& i : items)
    if (i.ctime) t = i.ctime;
  return t;
}

PropPatchRequest parse_proppatch(std::string_view body) {
  pugi::xml_document doc;
  // Whitespace-only text is kept: it can be all of a property's value.
  xml_body::Element update = xml_body::parse(doc, body, pugi::parse_default | pugi::parse_ws_pcdata, "PROPPATCH");
  if (!update.is(kDavNamespace, "propertyupdate"))
    throw PropPatchParseError("the root element is not DAV:propertyupdate");

  PropPatchRequest req;
  bool any = false;
  for (const xml_body::Element& instruction : update.children) {
    if (instruction.ns != kDavNamespace) continue;  // RFC 4918 §17: ignore unknown elements
    std::optional<PropPatchItem::Action> action;
    if (instruction.local == "set") action = PropPatchItem::Action::Set;
    if (instruction.local == "remove") action = PropPatchItem::Action::Remove;
    if (!action) continue;
    any = true;
    for (const xml_body::Element& prop : instruction.children)
      if (prop.is(kDavNamespace, "prop")) collect(req, *action, prop);
  }
  if (!any) throw PropPatchParseError("DAV:propertyupdate holds no set or remove");
  return req;
}

}  // namespace dav115::webdav

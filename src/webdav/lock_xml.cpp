#include "dav115/webdav/lock_xml.hpp"

#include <pugixml.hpp>

#include <algorithm>
#include <set>
#include <utility>

#include "dav115/webdav/propfind_request.hpp"  // kDavNamespace, kMaxXmlDepth
#include "dav115/webdav/xml_text.hpp"

namespace dav115::webdav {
namespace {

constexpr std::string_view kXmlPrefixUri = "http://www.w3.org/XML/1998/namespace";

bool is_blank(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; });
}

bool contains_ignoring_case(std::string_view haystack, std::string_view needle) {
  auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
  return std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end(),
                     [&](char a, char b) { return lower(a) == lower(b); }) != haystack.end();
}

// ---- names and namespaces (pugixml knows neither) ----

bool name_start(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80; }
bool name_char(unsigned char c) { return name_start(c) || (c >= '0' && c <= '9') || c == '-' || c == '.'; }

bool is_ncname(std::string_view s) {
  return !s.empty() && name_start(static_cast<unsigned char>(s[0])) &&
         std::all_of(s.begin(), s.end(), [](char c) { return name_char(static_cast<unsigned char>(c)); }) &&
         is_xml_text(s);
}

// (prefix, local); throws unless both halves are NCNames.
std::pair<std::string_view, std::string_view> split_qname(std::string_view q) {
  std::size_t colon = q.find(':');
  std::string_view prefix = colon == std::string_view::npos ? std::string_view{} : q.substr(0, colon);
  std::string_view local = colon == std::string_view::npos ? q : q.substr(colon + 1);
  if ((colon != std::string_view::npos && !is_ncname(prefix)) || !is_ncname(local))
    throw LockBodyError("a malformed XML name in the LOCK body");
  return {prefix, local};
}

// The URI `prefix` is bound to at `node` ("" = the default namespace, which may be none).
std::string_view namespace_for(pugi::xml_node node, std::string_view prefix) {
  if (prefix == "xml") return kXmlPrefixUri;
  std::string attr = prefix.empty() ? "xmlns" : "xmlns:" + std::string(prefix);
  for (pugi::xml_node n = node; n.type() == pugi::node_element; n = n.parent())
    if (pugi::xml_attribute a = n.attribute(attr.c_str())) return a.value();
  if (prefix.empty()) return {};
  throw LockBodyError("an undeclared namespace prefix in the LOCK body");
}

bool is_dav(pugi::xml_node e, std::string_view local) {
  auto [prefix, name] = split_qname(e.name());
  return name == local && namespace_for(e, prefix) == kDavNamespace;
}

std::vector<pugi::xml_node> child_elements(pugi::xml_node n) {
  std::vector<pugi::xml_node> out;
  for (pugi::xml_node c : n.children())
    if (c.type() == pugi::node_element) out.push_back(c);
  return out;
}

// ---- DAV:owner, re-serialised ----

// Namespace declarations in scope at `owner`, innermost first, one per prefix.
using Declarations = std::vector<pugi::xml_attribute>;

Declarations declarations_in_scope(pugi::xml_node owner) {
  Declarations out;
  std::set<std::string_view> seen;
  for (pugi::xml_node n = owner; n.type() == pugi::node_element; n = n.parent())
    for (pugi::xml_attribute a : n.attributes()) {
      std::string_view name = a.name();
      if ((name == "xmlns" || name.starts_with("xmlns:")) && seen.insert(name).second) out.push_back(a);
    }
  return out;
}

void append_attribute(std::string& out, std::string_view name, std::string_view value) {
  // Namespaces in XML forbids undeclaring a prefix; a namespace-aware client would reject our answer.
  if (name.starts_with("xmlns:") && value.empty()) throw LockBodyError("a prefix bound to an empty URI");
  out += ' ';
  out += name;
  out += "=\"";
  append_xml_attribute(out, value);
  out += '"';
}

void append_owner_node(std::string& out, pugi::xml_node n, const Declarations* inherited, int depth);

// `inherited` is set for the owner's own children: they get the declarations they relied on.
void append_owner_element(std::string& out, pugi::xml_node e, const Declarations* inherited, int depth) {
  if (depth > kMaxXmlDepth) throw LockBodyError("the LOCK owner is nested too deeply");
  std::string_view name = e.name();
  auto [prefix, local] = split_qname(name);
  namespace_for(e, prefix);  // throws when undeclared
  out += '<';
  out += name;
  if (inherited)
    for (pugi::xml_attribute d : *inherited)
      if (!e.attribute(d.name())) append_attribute(out, d.name(), d.value());
  // pugixml accepts an attribute twice; echoing that would make every PROPFIND answer malformed.
  std::set<std::pair<std::string_view, std::string_view>> seen;
  for (pugi::xml_attribute a : e.attributes()) {
    auto [aprefix, alocal] = split_qname(a.name());
    std::string_view ans = aprefix.empty() || aprefix == "xmlns" ? aprefix : namespace_for(e, aprefix);
    if (!seen.emplace(ans, alocal).second) throw LockBodyError("a repeated attribute in the LOCK owner");
    append_attribute(out, a.name(), a.value());
  }
  if (!e.first_child()) {
    out += "/>";
    return;
  }
  out += '>';
  for (pugi::xml_node c : e.children()) append_owner_node(out, c, nullptr, depth + 1);
  out += "</";
  out += name;
  out += '>';
}

void append_owner_node(std::string& out, pugi::xml_node n, const Declarations* inherited, int depth) {
  switch (n.type()) {
    case pugi::node_element: append_owner_element(out, n, inherited, depth); break;
    case pugi::node_pcdata:
    case pugi::node_cdata: append_xml_text(out, n.value()); break;
    default: break;  // comments, processing instructions
  }
}

std::string owner_content(pugi::xml_node owner, int depth) {
  Declarations inherited = declarations_in_scope(owner);
  std::string out;
  for (pugi::xml_node c : owner.children()) append_owner_node(out, c, &inherited, depth + 1);
  if (out.size() > kMaxOwnerBytes) throw LockBodyError("the LOCK owner is too large");
  return out;
}

// ---- lockinfo ----

// The one DAV: element inside `parent` among `choices`; throws otherwise.
std::string_view only_child(pugi::xml_node parent, std::initializer_list<std::string_view> choices,
                            const char* what) {
  std::vector<pugi::xml_node> kids = child_elements(parent);
  if (kids.size() == 1)
    for (std::string_view c : choices)
      if (is_dav(kids[0], c)) return c;
  throw LockBodyError(what);
}

pugi::xml_node root_element(const pugi::xml_document& doc) {
  pugi::xml_node root;
  for (pugi::xml_node n : doc.children()) {
    if (n.type() == pugi::node_pcdata && !is_blank(n.value())) throw LockBodyError("text outside the root element");
    if (n.type() != pugi::node_element) continue;
    if (root) throw LockBodyError("more than one root element");
    root = n;
  }
  if (!root) throw LockBodyError("no root element");
  return root;
}

void append_href_element(std::string& out, std::string_view element, std::string_view href) {
  out += "<D:";
  out += element;
  out += "><D:href>";
  append_xml_text(out, href);
  out += "</D:href></D:";
  out += element;
  out += '>';
}

}  // namespace

std::optional<LockInfo> parse_lock_body(std::string_view body) {
  if (is_blank(body)) return std::nullopt;
  // As for PROPFIND: a DTD has no business here, so no entity trick can ever reach the parser.
  if (contains_ignoring_case(body, "<!DOCTYPE") || contains_ignoring_case(body, "<!ENTITY"))
    throw LockBodyError("DTDs are not accepted in a LOCK body");
  pugi::xml_document doc;
  pugi::xml_parse_result parsed = doc.load_buffer(body.data(), body.size(), pugi::parse_default);
  if (!parsed) throw LockBodyError(std::string("malformed XML: ") + parsed.description());
  pugi::xml_node lockinfo = root_element(doc);
  if (!is_dav(lockinfo, "lockinfo")) throw LockBodyError("the root element is not DAV:lockinfo");

  LockInfo info;
  int scopes = 0, types = 0, owners = 0;
  for (pugi::xml_node child : child_elements(lockinfo)) {
    if (is_dav(child, "lockscope")) {
      ++scopes;
      info.scope = only_child(child, {"exclusive", "shared"}, "lockscope must hold exclusive or shared") == "shared"
                       ? LockScope::Shared
                       : LockScope::Exclusive;
    } else if (is_dav(child, "locktype")) {
      ++types;
      only_child(child, {"write"}, "locktype must hold write, the only lock type there is");
    } else if (is_dav(child, "owner")) {
      ++owners;
      info.owner_xml = owner_content(child, 2);
    }  // anything else: ignored (RFC 4918 §17)
  }
  if (scopes != 1 || types != 1 || owners > 1)
    throw LockBodyError("lockinfo needs one lockscope, one locktype and at most one owner");
  return info;
}

void append_activelock(std::string& out, const Lock& lock, std::string_view root_href, LockClock::time_point now) {
  out += "<D:activelock><D:locktype><D:write/></D:locktype><D:lockscope>";
  out += lock.scope == LockScope::Exclusive ? "<D:exclusive/>" : "<D:shared/>";
  out += "</D:lockscope><D:depth>";
  out += lock.infinite ? "infinity" : "0";
  out += "</D:depth>";
  if (!lock.owner_xml.empty()) {
    out += "<D:owner>";
    out += lock.owner_xml;  // re-serialised by parse_lock_body, well-formed on its own
    out += "</D:owner>";
  }
  auto left = std::chrono::ceil<std::chrono::seconds>(lock.expires - now);
  out += "<D:timeout>Second-";
  out += std::to_string(std::max<std::chrono::seconds::rep>(left.count(), 0));
  out += "</D:timeout>";
  append_href_element(out, "locktoken", lock.token);
  append_href_element(out, "lockroot", root_href);
  out += "</D:activelock>";
}

void append_lockdiscovery(std::string& out, const std::vector<Lock>& locks,
                          const std::function<std::string(std::string_view root)>& href_of,
                          LockClock::time_point now) {
  if (locks.empty()) {
    out += "<D:lockdiscovery/>";
    return;
  }
  out += "<D:lockdiscovery>";
  for (const Lock& l : locks) append_activelock(out, l, href_of(l.root), now);
  out += "</D:lockdiscovery>";
}

void append_supportedlock(std::string& out) {
  out +=
      "<D:supportedlock>"
      "<D:lockentry><D:lockscope><D:exclusive/></D:lockscope><D:locktype><D:write/></D:locktype></D:lockentry>"
      "<D:lockentry><D:lockscope><D:shared/></D:lockscope><D:locktype><D:write/></D:locktype></D:lockentry>"
      "</D:supportedlock>";
}

std::string lock_response_body(const Lock& lock, std::string_view root_href, LockClock::time_point now) {
  std::string out = R"(<?xml version="1.0" encoding="utf-8"?><D:prop xmlns:D="DAV:"><D:lockdiscovery>)";
  append_activelock(out, lock, root_href, now);
  out += "</D:lockdiscovery></D:prop>";
  return out;
}

std::string precondition_body(std::string_view condition, std::string_view href) {
  std::string out = R"(<?xml version="1.0" encoding="utf-8"?><D:error xmlns:D="DAV:">)";
  if (href.empty()) {
    out += "<D:";
    out += condition;
    out += "/>";
  } else {
    append_href_element(out, condition, href);
  }
  out += "</D:error>";
  return out;
}

}  // namespace dav115::webdav

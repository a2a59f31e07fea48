#include "dav115/webdav/propfind_request.hpp"

#include <pugixml.hpp>

#include <algorithm>
#include <cstring>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "dav115/webdav/xml_text.hpp"

namespace dav115::webdav {
namespace {

constexpr std::string_view kXmlNamespace = "http://www.w3.org/XML/1998/namespace";

// An element with its name resolved to (namespace URI, local name).
struct Element {
  std::string_view ns;
  std::string_view local;
  std::vector<Element> children;
  bool is(std::string_view want_ns, std::string_view want_local) const {
    return ns == want_ns && local == want_local;
  }
};

// In-scope namespace bindings, innermost last; a prefix of "" is the default namespace.
using Scope = std::vector<std::pair<std::string_view, std::string_view>>;

std::string_view lookup(const Scope& scope, std::string_view prefix) {
  for (auto it = scope.rbegin(); it != scope.rend(); ++it)
    if (it->first == prefix) return it->second;
  if (prefix == "xml") return kXmlNamespace;
  throw PropfindParseError("undeclared namespace prefix in the PROPFIND body");
}

// Resolves `node` and its element descendants. Recursion is bounded by kMaxXmlDepth.
Element resolve(const pugi::xml_node& node, Scope& scope, int depth) {
  if (depth > kMaxXmlDepth) throw PropfindParseError("the PROPFIND body is nested too deeply");
  const std::size_t scope_mark = scope.size();
  for (const pugi::xml_attribute& a : node.attributes()) {
    std::string_view name = a.name();
    std::string_view value = a.value();
    if (name == "xmlns") {
      scope.emplace_back("", value);  // an empty value legitimately undeclares the default namespace
    } else if (name.starts_with("xmlns:")) {
      std::string_view prefix = name.substr(6);
      // Namespaces in XML 1.0 forbids undeclaring a prefix (litmus propfind_invalid2 checks this).
      if (value.empty()) throw PropfindParseError("a namespace prefix is bound to an empty URI");
      if (prefix.empty() || prefix.find(':') != std::string_view::npos)
        throw PropfindParseError("a malformed namespace declaration");
      scope.emplace_back(prefix, value);
    }
  }

  std::string_view qname = node.name();
  Element e;
  std::size_t colon = qname.find(':');
  if (colon == std::string_view::npos) {
    e.local = qname;
    e.ns = lookup(scope, "");  // may be "" (no namespace) when nothing is declared
  } else {
    e.local = qname.substr(colon + 1);
    if (colon == 0 || e.local.empty() || e.local.find(':') != std::string_view::npos)
      throw PropfindParseError("a malformed element name");
    e.ns = lookup(scope, qname.substr(0, colon));
  }

  for (const pugi::xml_node& child : node.children())
    if (child.type() == pugi::node_element) e.children.push_back(resolve(child, scope, depth + 1));
  scope.resize(scope_mark);
  return e;
}

// lookup("") must succeed when nothing is declared: seed the scope with "no namespace".
Scope initial_scope() { return Scope{{"", ""}}; }

bool contains_ci(std::string_view haystack, std::string_view needle) {
  auto it = std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end(), [](char a, char b) {
    return (a >= 'A' && a <= 'Z' ? a + 32 : a) == (b >= 'A' && b <= 'Z' ? b + 32 : b);
  });
  return it != haystack.end();
}

bool all_whitespace(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; });
}

// Collects the properties of a request: namespace URIs stored once each, duplicates dropped.
class PropertyCollector {
 public:
  explicit PropertyCollector(PropfindRequest& req) : req_(req) {}

  void add(const Element& e) {
    std::string_view ns = intern(e.ns);
    if (!is_xml_text(e.local)) throw PropfindParseError("an element name that is not UTF-8 XML text");
    // pugixml lets a name start with a digit, '-' or '.' after a prefix ("X:1a"): not an NCName.
    char first = e.local.empty() ? '0' : e.local.front();
    if ((first >= '0' && first <= '9') || first == '-' || first == '.')
      throw PropfindParseError("a property name that is not an XML name");
    // Interned: equal namespaces have equal addresses, so the address stands for the URI.
    if (seen_.emplace(ns.data(), e.local).second) req_.props.push_back(PropertyName{ns, std::string(e.local)});
  }

 private:
  // Property names and namespaces are echoed in the 207. pugixml checks neither the encoding nor
  // the characters (it takes any byte >= 0x80 as a name character, and decodes "&#xFFFE;" in a
  // namespace), so a body that is not XML could make our answer not XML either: refuse it, as a
  // parser must.
  std::string_view intern(std::string_view ns) {
    // Every property under one declaration has the very same view: skip hashing a long URI again.
    if (ns.data() == last_in_.data() && ns.size() == last_in_.size()) return last_out_;
    auto it = interned_.find(ns);
    if (it == interned_.end()) {
      if (!is_xml_text(ns)) throw PropfindParseError("a namespace URI that is not UTF-8 XML text");
      req_.namespaces.push_back(std::make_unique<const std::string>(ns));
      std::string_view stored = *req_.namespaces.back();
      it = interned_.emplace(stored, stored).first;
    }
    last_in_ = ns;
    last_out_ = it->second;
    return last_out_;
  }

  struct KeyHash {
    std::size_t operator()(const std::pair<const char*, std::string_view>& k) const {
      return std::hash<const char*>()(k.first) ^ (std::hash<std::string_view>()(k.second) * 31);
    }
  };

  PropfindRequest& req_;
  std::unordered_map<std::string_view, std::string_view> interned_;  // views into req_.namespaces
  std::string_view last_in_, last_out_;
  // (interned namespace address, local name): a linear search made a 64 KB body of distinct names
  // cost seconds of CPU (found by fuzz/propfind_fuzz.cpp).
  std::unordered_set<std::pair<const char*, std::string_view>, KeyHash> seen_;
};

}  // namespace

PropfindRequest parse_propfind(std::string_view body) {
  if (all_whitespace(body)) return PropfindRequest{};  // RFC 4918 §9.1: no body = allprop

  // pugixml never expands DTD entities, but a DTD has no business in a PROPFIND: refuse it outright
  // so no parser change can ever reintroduce XXE or entity expansion.
  if (contains_ci(body, "<!DOCTYPE") || contains_ci(body, "<!ENTITY"))
    throw PropfindParseError("DTDs are not accepted in a PROPFIND body");

  pugi::xml_document doc;
  pugi::xml_parse_result parsed = doc.load_buffer(body.data(), body.size(), pugi::parse_default);
  if (!parsed) throw PropfindParseError(std::string("malformed XML: ") + parsed.description());

  pugi::xml_node root;
  for (const pugi::xml_node& n : doc.children()) {
    if (n.type() == pugi::node_pcdata && !all_whitespace(n.value()))
      throw PropfindParseError("text outside the root element");
    if (n.type() != pugi::node_element) continue;
    if (root) throw PropfindParseError("more than one root element");
    root = n;
  }
  if (!root) throw PropfindParseError("no root element");

  Scope scope = initial_scope();
  Element propfind = resolve(root, scope, 1);
  if (!propfind.is(kDavNamespace, "propfind")) throw PropfindParseError("the root element is not DAV:propfind");

  PropfindRequest req;
  int modes = 0;
  const Element* include = nullptr;
  PropertyCollector collect(req);
  for (const Element& child : propfind.children) {
    if (child.ns != kDavNamespace) continue;  // RFC 4918 §17: ignore unknown elements
    if (child.local == "allprop") {
      req.mode = PropfindRequest::Mode::AllProp;
      ++modes;
    } else if (child.local == "propname") {
      req.mode = PropfindRequest::Mode::PropName;
      ++modes;
    } else if (child.local == "prop") {
      req.mode = PropfindRequest::Mode::Prop;
      ++modes;
      for (const Element& p : child.children) collect.add(p);
    } else if (child.local == "include") {
      include = &child;
    }
  }
  if (modes != 1) throw PropfindParseError("DAV:propfind needs exactly one of allprop, propname or prop");
  if (include && req.mode == PropfindRequest::Mode::AllProp)
    for (const Element& p : include->children) collect.add(p);
  return req;
}

}  // namespace dav115::webdav

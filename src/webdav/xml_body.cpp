#include "xml_body.hpp"

#include <algorithm>
#include <string>
#include <utility>

#include "dav115/webdav/xml_text.hpp"

namespace dav115::webdav::xml_body {
namespace {

constexpr std::string_view kXmlNamespace = "http://www.w3.org/XML/1998/namespace";

// In-scope namespace bindings, innermost last; a prefix of "" is the default namespace.
using Scope = std::vector<std::pair<std::string_view, std::string_view>>;

std::string_view lookup(const Scope& scope, std::string_view prefix) {
  for (auto it = scope.rbegin(); it != scope.rend(); ++it)
    if (it->first == prefix) return it->second;
  if (prefix == "xml") return kXmlNamespace;
  throw XmlBodyError("undeclared namespace prefix in the request body");
}

// Resolves `node` and its element descendants. Recursion is bounded by kMaxXmlDepth.
Element resolve(const pugi::xml_node& node, Scope& scope, int depth) {
  if (depth > kMaxXmlDepth) throw XmlBodyError("the request body is nested too deeply");
  const std::size_t scope_mark = scope.size();
  for (const pugi::xml_attribute& a : node.attributes()) {
    std::string_view name = a.name();
    std::string_view value = a.value();
    if (name == "xmlns") {
      scope.emplace_back("", value);  // an empty value legitimately undeclares the default namespace
    } else if (name.starts_with("xmlns:")) {
      std::string_view prefix = name.substr(6);
      // Namespaces in XML 1.0 forbids undeclaring a prefix (litmus propfind_invalid2 checks this).
      if (value.empty()) throw XmlBodyError("a namespace prefix is bound to an empty URI");
      if (prefix.empty() || prefix.find(':') != std::string_view::npos)
        throw XmlBodyError("a malformed namespace declaration");
      scope.emplace_back(prefix, value);
    }
  }
  // Prefixed attributes need a declaration too: PROPPATCH stores values and echoes them back.
  for (const pugi::xml_attribute& a : node.attributes()) {
    std::string_view name = a.name();
    std::size_t colon = name.find(':');
    if (colon != std::string_view::npos && !name.starts_with("xmlns:")) lookup(scope, name.substr(0, colon));
  }

  std::string_view qname = node.name();
  Element e;
  e.node = node;
  std::size_t colon = qname.find(':');
  if (colon == std::string_view::npos) {
    e.local = qname;
    e.ns = lookup(scope, "");  // may be "" (no namespace) when nothing is declared
  } else {
    e.local = qname.substr(colon + 1);
    if (colon == 0 || e.local.empty() || e.local.find(':') != std::string_view::npos)
      throw XmlBodyError("a malformed element name");
    e.ns = lookup(scope, qname.substr(0, colon));
  }

  for (const pugi::xml_node& child : node.children())
    if (child.type() == pugi::node_element) e.children.push_back(resolve(child, scope, depth + 1));
  scope.resize(scope_mark);
  return e;
}

bool contains_ci(std::string_view haystack, std::string_view needle) {
  auto it = std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end(), [](char a, char b) {
    return (a >= 'A' && a <= 'Z' ? a + 32 : a) == (b >= 'A' && b <= 'Z' ? b + 32 : b);
  });
  return it != haystack.end();
}

}  // namespace

bool all_whitespace(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; });
}

Element parse(pugi::xml_document& doc, std::string_view body, unsigned options, const char* what) {
  // pugixml never expands DTD entities, but a DTD has no business in a WebDAV body: refuse it outright
  // so no parser change can ever reintroduce XXE or entity expansion.
  if (contains_ci(body, "<!DOCTYPE") || contains_ci(body, "<!ENTITY"))
    throw XmlBodyError(std::string("DTDs are not accepted in a ") + what + " body");

  pugi::xml_parse_result parsed = doc.load_buffer(body.data(), body.size(), options);
  if (!parsed) throw XmlBodyError(std::string("malformed XML: ") + parsed.description());

  pugi::xml_node root;
  for (const pugi::xml_node& n : doc.children()) {
    if (n.type() == pugi::node_pcdata && !all_whitespace(n.value()))
      throw XmlBodyError("text outside the root element");
    if (n.type() != pugi::node_element) continue;
    if (root) throw XmlBodyError("more than one root element");
    root = n;
  }
  if (!root) throw XmlBodyError("no root element");

  Scope scope{{"", ""}};  // lookup("") must succeed when nothing is declared: "no namespace"
  return resolve(root, scope, 1);
}

void check_namespace(std::string_view ns) {
  if (!is_xml_text(ns)) throw XmlBodyError("a namespace URI that is not UTF-8 XML text");
}

void check_local_name(std::string_view local) {
  if (!is_xml_text(local)) throw XmlBodyError("an element name that is not UTF-8 XML text");
  // pugixml lets a name start with a digit, '-' or '.' after a prefix ("X:1a"): not an NCName.
  char first = local.empty() ? '0' : local.front();
  if ((first >= '0' && first <= '9') || first == '-' || first == '.')
    throw XmlBodyError("a property name that is not an XML name");
}

}  // namespace dav115::webdav::xml_body

#pragma once
// Reading a WebDAV request body (PROPFIND, PROPPATCH) safely: no DTD, one root, namespaces resolved
// (pugixml does not do it) and checked, nesting bounded. Private to webdav/. Throws XmlBodyError.
#include <pugixml.hpp>

#include <string_view>
#include <vector>

#include "dav115/webdav/request_xml.hpp"

namespace dav115::webdav::xml_body {

// An element with its name resolved to (namespace URI, local name); the views point into the
// document, which must outlive it.
struct Element {
  std::string_view ns;
  std::string_view local;
  pugi::xml_node node;
  std::vector<Element> children;  // element children only
  bool is(std::string_view want_ns, std::string_view want_local) const {
    return ns == want_ns && local == want_local;
  }
};

bool all_whitespace(std::string_view s);

// Parses `body` into `doc` with `options` (pugi::parse_* flags) and returns its root element,
// resolved. `what` names the method in messages ("PROPFIND"). Refuses DTDs, text outside the root,
// several roots, undeclared prefixes (on elements and attributes) and nesting past kMaxXmlDepth.
Element parse(pugi::xml_document& doc, std::string_view body, unsigned options, const char* what);

// Property names and namespaces are echoed in a 207. pugixml checks neither the encoding nor the
// characters (it takes any byte >= 0x80 as a name character, and decodes "&#xFFFE;" in a namespace),
// so a body that is not XML could make our answer not XML either: refuse such names, as a parser must.
// The namespace is checked apart (check_namespace), so callers can do it once per distinct URI.
void check_local_name(std::string_view local);
void check_namespace(std::string_view ns);

}  // namespace dav115::webdav::xml_body

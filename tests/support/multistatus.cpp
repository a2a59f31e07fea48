#include "support/multistatus.hpp"

#include <pugixml.hpp>
#include <utf8proc.h>

#include <stdexcept>

namespace dav115::test {

namespace {
// Namespace resolution over pugixml (which is not namespace-aware): walk up for xmlns declarations.
std::string ns_of(pugi::xml_node n) {
  std::string name = n.name();
  auto colon = name.find(':');
  std::string attr = colon == std::string::npos ? "xmlns" : "xmlns:" + name.substr(0, colon);
  for (auto p = n; p; p = p.parent())
    if (auto a = p.attribute(attr.c_str())) return a.value();
  return "";
}
std::string local(pugi::xml_node n) {
  std::string name = n.name();
  auto colon = name.find(':');
  return colon == std::string::npos ? name : name.substr(colon + 1);
}
std::string clark(pugi::xml_node n) { return "{" + ns_of(n) + "}" + local(n); }
pugi::xml_node child(pugi::xml_node n, const char* dav_local) {
  for (auto c : n.children())
    if (c.type() == pugi::node_element && local(c) == dav_local && ns_of(c) == "DAV:") return c;
  return {};
}
std::string inner_text(pugi::xml_node n) {
  std::string out;
  for (auto c : n.children()) {
    if (c.type() == pugi::node_pcdata || c.type() == pugi::node_cdata) out += c.value();
    else if (c.type() == pugi::node_element) out += "<" + clark(c) + ">" + inner_text(c);
  }
  return out;
}
}  // namespace

std::string first_non_xml_char(const std::string& text) {
  auto* p = reinterpret_cast<const utf8proc_uint8_t*>(text.data());
  auto left = static_cast<utf8proc_ssize_t>(text.size());
  while (left > 0) {
    utf8proc_int32_t cp = -1;
    utf8proc_ssize_t n = utf8proc_iterate(p, left, &cp);
    const std::size_t at = text.size() - static_cast<std::size_t>(left);
    if (n <= 0 || cp < 0) return "ill-formed UTF-8 at byte " + std::to_string(at);
    // XML 1.0 Char: tab, LF, CR, U+0020..U+D7FF, U+E000..U+FFFD, U+10000..U+10FFFF.
    if ((cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') || cp == 0xFFFE || cp == 0xFFFF)
      return "code point " + std::to_string(cp) + " (not allowed in XML) at byte " + std::to_string(at);
    p += n;
    left -= n;
  }
  return "";
}

std::vector<DavResponse> parse_multistatus(const std::string& body) {
  // pugixml checks neither the encoding nor the character set: a client's parser does.
  if (auto bad = first_non_xml_char(body); !bad.empty()) throw std::runtime_error("multistatus has " + bad);
  pugi::xml_document doc;
  auto res = doc.load_buffer(body.data(), body.size());
  if (!res) throw std::runtime_error(std::string("multistatus is not well-formed XML: ") + res.description());
  auto root = doc.document_element();
  if (clark(root) != "{DAV:}multistatus") throw std::runtime_error("root element is " + clark(root));
  std::vector<DavResponse> out;
  for (auto r : root.children()) {
    if (r.type() != pugi::node_element || clark(r) != "{DAV:}response") continue;
    DavResponse d;
    d.href = child(r, "href").text().get();
    for (auto ps : r.children()) {
      if (ps.type() != pugi::node_element || clark(ps) != "{DAV:}propstat") continue;
      std::string status = child(ps, "status").text().get();
      bool ok = status.find(" 200 ") != std::string::npos;
      for (auto p : child(ps, "prop").children()) {
        if (p.type() != pugi::node_element) continue;
        if (ok) {
          d.props[clark(p)] = inner_text(p);
          if (clark(p) == "{DAV:}resourcetype" && child(p, "collection")) d.is_collection = true;
        } else {
          d.missing[clark(p)] = status;
        }
      }
    }
    out.push_back(std::move(d));
  }
  return out;
}

std::map<std::string, std::string> listing_summary(const std::string& multistatus_body) {
  std::map<std::string, std::string> seen;
  for (const auto& d : parse_multistatus(multistatus_body)) {
    auto prop = [&](const char* name) {
      auto it = d.props.find(name);
      return it == d.props.end() ? std::string("-") : it->second;
    };
    seen[d.href] = std::string(d.is_collection ? "dir " : "file ") + prop("{DAV:}getcontentlength") + " " +
                   prop("{DAV:}getlastmodified") + " " + prop("{DAV:}getetag");
  }
  return seen;
}

}  // namespace dav115::test

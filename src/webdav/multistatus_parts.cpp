#include "multistatus_parts.hpp"

#include "dav115/webdav/xml_text.hpp"

namespace dav115::webdav::multistatus_parts {

std::string_view ForeignNamespaces::prefix(std::string_view ns) {
  // Parsed requests share one copy per URI: skip hashing a long one again for each property.
  if (ns.data() == last_ns_.data() && ns.size() == last_ns_.size()) return last_prefix_;
  auto [it, added] = prefix_of_.try_emplace(ns);
  if (added) {
    it->second = "X" + std::to_string(prefix_of_.size() - 1);
    declarations_ += " xmlns:";
    declarations_ += it->second;
    declarations_ += "=\"";
    append_xml_attribute(declarations_, ns);
    declarations_ += '"';
  }
  last_ns_ = ns;
  last_prefix_ = it->second;
  return last_prefix_;
}

std::string empty_element(const PropertyName& name, ForeignNamespaces& namespaces) {
  std::string out = "<";
  if (name.ns == kDavNamespace) {
    out += "D:";
  } else if (name.ns == kOwncloudNamespace) {
    out += "O:";
  } else if (!name.ns.empty()) {
    out += namespaces.prefix(name.ns);
    out += ':';
  }
  append_xml_text(out, name.local);  // the parsers refuse names that are not XML names
  out += "/>";
  return out;
}

void append_propstat(std::string& out, std::string_view props, std::string_view status, std::string_view error) {
  out += "<D:propstat><D:prop>";
  out += props;
  out += "</D:prop><D:status>";
  out += status;
  out += "</D:status>";
  out += error;
  out += "</D:propstat>";
}

}  // namespace dav115::webdav::multistatus_parts

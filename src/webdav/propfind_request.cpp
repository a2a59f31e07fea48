#include "dav115/webdav/propfind_request.hpp"

#include <pugixml.hpp>

#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "xml_body.hpp"

namespace dav115::webdav {
namespace {

using xml_body::Element;

// Collects the properties of a request: namespace URIs stored once each, duplicates dropped.
class PropertyCollector {
 public:
  explicit PropertyCollector(PropfindRequest& req) : req_(req) {}

  void add(const Element& e) {
    std::string_view ns = intern(e.ns);
    xml_body::check_local_name(e.local);
    // Interned: equal namespaces have equal addresses, so the address stands for the URI.
    if (seen_.emplace(ns.data(), e.local).second) req_.props.push_back(PropertyName{ns, std::string(e.local)});
  }

 private:
  std::string_view intern(std::string_view ns) {
    // Every property under one declaration has the very same view: skip hashing a long URI again.
    if (ns.data() == last_in_.data() && ns.size() == last_in_.size()) return last_out_;
    auto it = interned_.find(ns);
    if (it == interned_.end()) {
      xml_body::check_namespace(ns);  // once per distinct URI, not once per property
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
  if (xml_body::all_whitespace(body)) return PropfindRequest{};  // RFC 4918 §9.1: no body = allprop

  pugi::xml_document doc;
  Element propfind = xml_body::parse(doc, body, pugi::parse_default, "PROPFIND");
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

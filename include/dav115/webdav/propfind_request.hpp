#pragma once
// What a PROPFIND body asks for (RFC 4918 §9.1, §14.20): every property, the property names only,
// or a list of named properties. Namespaces are resolved here, because pugixml does not do it.
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "dav115/webdav/request_xml.hpp"

namespace dav115::webdav {

struct PropertyName {
  // Namespace URI ("DAV:"); empty for a property in no namespace. Parsed names point into their
  // PropfindRequest's `namespaces`: one copy per URI, however many properties share it (3,600
  // properties in one 30 KB namespace used to cost 216 MB of copies before a 422).
  std::string_view ns;
  std::string local;  // local name ("getetag")
  bool operator==(const PropertyName&) const = default;
};

struct PropfindRequest {
  enum class Mode { AllProp, PropName, Prop };
  Mode mode = Mode::AllProp;
  // Mode::Prop: the properties asked for; Mode::AllProp: the extra ones of <include>. No duplicates.
  std::vector<PropertyName> props;
  // The storage of the parsed namespace URIs (stable addresses; this makes the request move-only).
  std::vector<std::unique_ptr<const std::string>> namespaces;
};

// A body the server must answer with 400 (the error every request body parser throws).
using PropfindParseError = XmlBodyError;

// An empty (or all-whitespace) body means allprop. Throws PropfindParseError.
PropfindRequest parse_propfind(std::string_view body);

}  // namespace dav115::webdav

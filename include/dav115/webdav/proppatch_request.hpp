#pragma once
// What a PROPPATCH body asks (RFC 4918 §9.2, §14.19): set and remove instructions in document order,
// each property with what this server will do about it. Client times (DAV:getlastmodified, Windows'
// Win32LastModifiedTime and Win32CreationTime) are recognised and parsed; the properties this server
// computes are protected (§15: 403 cannot-modify-protected-property).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dav115/webdav/request_xml.hpp"

namespace dav115::webdav {

// The namespace of Windows' Win32* properties (the mini-redirector sets them after every upload).
inline constexpr std::string_view kMicrosoftNamespace = "urn:schemas-microsoft-com:";

struct PropPatchItem {
  enum class Action { Set, Remove };
  Action action = Action::Set;
  std::string ns;     // namespace URI, "" for none
  std::string local;  // local name
  // Set: the property element as sent, self-contained: the namespace declarations (and xml:lang) in
  // scope where it stood are copied onto it, so it can be stored and echoed verbatim in a PROPFIND.
  std::string value_xml;

  // What to do. `refusal` != 0 fails the whole request (403 protected, 409 a value this property
  // cannot take); otherwise `dead` properties go to the dead-property store and `mtime`/`ctime`
  // to the client-set times.
  int refusal = 0;
  bool dead = true;
  std::optional<std::int64_t> mtime;  // unix seconds
  std::optional<std::int64_t> ctime;
};

struct PropPatchRequest {
  std::vector<PropPatchItem> items;  // document order; a later item on the same name wins

  // True when some item is refused: nothing may be applied (RFC 4918 §9.2 atomicity).
  bool refused() const;
  // The client times the request sets (the last of each wins); nullopt fields are left alone.
  std::optional<std::int64_t> mtime() const;
  std::optional<std::int64_t> ctime() const;
};

using PropPatchParseError = XmlBodyError;

// Throws PropPatchParseError (answer 400) for a body that is not XML, has a DTD, is not a
// DAV:propertyupdate, holds no set or remove, or names a property or value that XML cannot carry back.
PropPatchRequest parse_proppatch(std::string_view body);

}  // namespace dav115::webdav

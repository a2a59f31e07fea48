#pragma once
// Text inside the XML bodies webdav/ writes (multistatus, error bodies).
#include <string>
#include <string_view>

namespace dav115::webdav {

// Appends `text` with the five XML special characters escaped (&, <, >, ", '); C0 control
// characters, which XML 1.0 cannot carry, become U+FFFD.
void append_xml_escaped(std::string& out, std::string_view text);

}  // namespace dav115::webdav

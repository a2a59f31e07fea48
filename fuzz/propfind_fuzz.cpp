// PROPFIND request bodies (client-controlled XML): parse_propfind either returns a request or throws
// PropfindParseError; any other exception, crash, a duplicate property, or a name or namespace that
// could not be echoed as XML text is a bug.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "dav115/webdav/propfind_request.hpp"
#include "dav115/webdav/xml_text.hpp"
#include "fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  try {
    auto req = dav115::webdav::parse_propfind(body);
    for (std::size_t i = 0; i < req.props.size(); ++i) {
      FUZZ_CHECK(!req.props[i].local.empty());
      FUZZ_CHECK(dav115::webdav::is_xml_text(req.props[i].local));
      FUZZ_CHECK(dav115::webdav::is_xml_text(req.props[i].ns));
      for (std::size_t j = i + 1; j < req.props.size(); ++j) FUZZ_CHECK(!(req.props[i] == req.props[j]));
    }
  } catch (const dav115::webdav::PropfindParseError&) {
  }
  return 0;
}

// PROPFIND request bodies (client-controlled XML): parse_propfind either returns a request or throws
// PropfindParseError; any other exception, crash or a duplicate property is a bug.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "dav115/webdav/propfind_request.hpp"
#include "fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  try {
    auto req = dav115::webdav::parse_propfind(body);
    for (std::size_t i = 0; i < req.props.size(); ++i) {
      FUZZ_CHECK(!req.props[i].local.empty());
      for (std::size_t j = i + 1; j < req.props.size(); ++j) FUZZ_CHECK(!(req.props[i] == req.props[j]));
    }
  } catch (const dav115::webdav::PropfindParseError&) {
  }
  return 0;
}

#pragma once
// Reads a WebDAV multistatus body the way clients do: by namespace URI and local name, whatever the prefixes.
#include <map>
#include <string>
#include <vector>

namespace dav115::test {

struct DavResponse {
  std::string href;                               // as sent (percent-encoded)
  std::map<std::string, std::string> props;       // "{DAV:}getcontentlength" -> text, from 200 propstats
  std::map<std::string, std::string> missing;     // props in non-200 propstats -> status line
  bool is_collection = false;
};

// Throws std::runtime_error if the body is not a well-formed multistatus.
std::vector<DavResponse> parse_multistatus(const std::string& body);

}  // namespace dav115::test

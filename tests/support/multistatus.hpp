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

// "" when `text` is well-formed UTF-8 made only of characters XML 1.0 allows; else what is wrong, where.
std::string first_non_xml_char(const std::string& text);

// Throws std::runtime_error if the body is not a well-formed multistatus (encoding and characters
// included).
std::vector<DavResponse> parse_multistatus(const std::string& body);

// What a client sees of a listing: href -> "dir|file <length> <lastmodified> <etag>" ("-" for a missing
// property), so two listings compare with ==.
std::map<std::string, std::string> listing_summary(const std::string& multistatus_body);

}  // namespace dav115::test

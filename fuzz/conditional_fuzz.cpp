// Conditional request headers (client-controlled): the input is a header block ("Name: value" lines)
// read through conditions_from, evaluated against fixed validators; also the raw entity-tag list
// matcher and the HTTP date parser on their own.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "dav115/serve/conditional.hpp"
#include "dav115/serve/request_conditions.hpp"
#include "dav115/util/http_types.hpp"
#include "dav115/util/http_dates.hpp"
#include "fuzz_check.hpp"

namespace {

using namespace dav115;

util::HttpRequest request_from(std::string_view text) {
  util::HttpRequest req;
  req.method = "GET";
  req.target = "/dav/f";
  while (!text.empty()) {
    auto eol = text.find('\n');
    auto line = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view{} : text.substr(eol + 1);
    auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    auto value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    req.headers.emplace_back(std::string(line.substr(0, colon)), std::string(value));
  }
  return req;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto conditions = serve::conditions_from(request_from(text));
  const serve::Validators v{"\"abc123\"", 1700000000};
  for (bool safe : {true, false}) {
    auto p = serve::evaluate_preconditions(conditions, v, safe);
    if (!safe) FUZZ_CHECK(p != serve::Precondition::NotModified);
  }
  (void)serve::if_range_allows_partial(conditions, v);
  (void)serve::etag_list_matches(text, v.etag, true);
  (void)serve::etag_list_matches(text, v.etag, false);
  if (auto when = util::parse_http_date(text)) {
    // Whatever parses must print and re-parse to the same instant (when it is a sane date).
    if (*when >= 0 && *when < 253402300800) {  // year 0000..9999
      auto printed = util::format_http_date(*when);
      auto again = util::parse_http_date(printed);
      FUZZ_CHECK(again && *again == *when);
    }
  }
  return 0;
}

#pragma once
// Evaluation of HTTP preconditions (RFC 9110 §13) against a file's strong ETag and Last-Modified, for
// GET/HEAD (delivery) and PUT (webdav).
// Pure: dates arrive already parsed (see request_conditions.hpp), so it can be fuzzed.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace dav115::serve {

// The current representation's validators.
struct Validators {
  std::string etag;                // strong, with quotes: "\"abc\""
  std::int64_t last_modified = 0;  // unix seconds
};

// The conditional request headers. Raw field values for the entity-tag headers; dates parsed to unix
// seconds (nullopt when absent or not a valid HTTP date, which RFC 9110 says to ignore).
struct Conditions {
  std::optional<std::string> if_match;
  std::optional<std::string> if_none_match;
  std::optional<std::int64_t> if_modified_since;
  std::optional<std::int64_t> if_unmodified_since;
  std::optional<std::string> if_range;          // raw value, entity-tag or date
  std::optional<std::int64_t> if_range_date;    // if_range parsed as a date, when it is one
};

enum class Precondition {
  Proceed,         // serve normally
  NotModified,     // 304 (GET/HEAD only)
  Failed,          // 412
};

// RFC 9110 §13.2.2 order: If-Match, else If-Unmodified-Since; then If-None-Match, else
// If-Modified-Since. `safe_method` is true for GET/HEAD (If-None-Match then gives 304, not 412).
Precondition evaluate_preconditions(const Conditions& c, const Validators& v, bool safe_method = true);

// If-Range (§13.1.5): true when a Range header may be honoured. Entity tags compare strongly
// (a weak tag never matches); a date must equal Last-Modified exactly. No If-Range → true.
bool if_range_allows_partial(const Conditions& c, const Validators& v);

// True when the field value (a list of entity tags, or "*") contains `etag`.
// Strong comparison ignores weak tags; weak comparison ignores the W/ prefix on both sides.
bool etag_list_matches(std::string_view field, std::string_view etag, bool strong);

}  // namespace dav115::serve

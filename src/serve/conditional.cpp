#include "dav115/serve/conditional.hpp"

#include "dav115/util/text.hpp"

namespace dav115::serve {
namespace {

using util::is_ows;
using util::trim_ows;

struct Tag {
  bool weak = false;
  std::string_view opaque;  // including the quotes
};

// Splits an entity-tag like W/"x" into weakness and the quoted part; false if malformed.
bool parse_tag(std::string_view s, Tag& out) {
  out.weak = false;
  if (s.size() >= 2 && (s[0] == 'W' || s[0] == 'w') && s[1] == '/') {
    out.weak = true;
    s.remove_prefix(2);
  }
  if (s.size() < 2 || s.front() != '"' || s.back() != '"') return false;
  if (s.substr(1, s.size() - 2).find('"') != std::string_view::npos) return false;
  out.opaque = s;
  return true;
}

}  // namespace

bool etag_list_matches(std::string_view field, std::string_view etag, bool strong) {
  field = trim_ows(field);
  if (field == "*") return true;  // the representation exists (we only get here for existing files)
  Tag mine;
  if (!parse_tag(etag, mine)) return false;
  // Entity tags cannot contain ',' inside their quotes per the grammar we accept, so a plain split works.
  while (!field.empty()) {
    auto comma = field.find(',');
    std::string_view item = trim_ows(field.substr(0, comma));
    Tag theirs;
    if (!item.empty() && parse_tag(item, theirs)) {
      bool equal = theirs.opaque == mine.opaque;
      if (strong ? (equal && !theirs.weak && !mine.weak) : equal) return true;
    }
    if (comma == std::string_view::npos) break;
    field.remove_prefix(comma + 1);
  }
  return false;
}

Precondition evaluate_preconditions(const Conditions& c, const Validators& v, bool safe_method) {
  // Step 1/2: If-Match takes precedence over If-Unmodified-Since.
  if (c.if_match) {
    if (!etag_list_matches(*c.if_match, v.etag, /*strong=*/true)) return Precondition::Failed;
  } else if (c.if_unmodified_since) {
    if (v.last_modified > *c.if_unmodified_since) return Precondition::Failed;
  }
  // Step 3/4: If-None-Match takes precedence over If-Modified-Since (which only applies to GET/HEAD).
  if (c.if_none_match) {
    if (etag_list_matches(*c.if_none_match, v.etag, /*strong=*/false))
      return safe_method ? Precondition::NotModified : Precondition::Failed;
  } else if (c.if_modified_since && safe_method) {
    if (v.last_modified <= *c.if_modified_since) return Precondition::NotModified;
  }
  return Precondition::Proceed;
}

bool if_range_allows_partial(const Conditions& c, const Validators& v) {
  if (!c.if_range) return true;
  std::string_view value = trim_ows(*c.if_range);
  Tag tag;
  if (!value.empty() && (value.front() == '"' || value.front() == 'W' || value.front() == 'w')) {
    Tag mine;
    return parse_tag(value, tag) && parse_tag(v.etag, mine) && !tag.weak && !mine.weak &&
           tag.opaque == mine.opaque;
  }
  return c.if_range_date && *c.if_range_date == v.last_modified;
}

}  // namespace dav115::serve

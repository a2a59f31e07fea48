#pragma once
// The WebDAV If request header (RFC 4918 §10.4), parsed into lists of conditions. Evaluation lives in
// if_evaluation.hpp; this file only knows the grammar:
//   If = 1*No-tag-list | 1*Tagged-list        Tagged-list = "<" resource ">" 1*List
//   List = "(" 1*Condition ")"                Condition = ["Not"] ("<" state-token ">" | "[" entity-tag "]")
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace dav115::webdav {

struct IfCondition {
  enum class Kind { StateToken, EntityTag };
  Kind kind = Kind::StateToken;
  bool negated = false;  // "Not"
  // StateToken: the URI between the angle brackets ("urn:uuid:...", "DAV:no-lock").
  // EntityTag: the tag as written, quotes and any W/ prefix included ("\"abc\"", "W/\"abc\"").
  std::string value;
  bool operator==(const IfCondition&) const = default;
};

struct IfList {
  // The Resource-Tag exactly as written, still percent-encoded and possibly absolute
  // ("http://host/dav/a%20b"); nullopt for an untagged list, which applies to the request URI.
  std::optional<std::string> resource;
  std::vector<IfCondition> conditions;  // a conjunction: the list holds when all of them do
};

struct IfHeader {
  std::vector<IfList> lists;  // a disjunction; never empty once parsed
};

// A header the server must answer with 400.
struct IfHeaderError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Whitespace (space, tab) is allowed anywhere between tokens; "Not" is case-insensitive. Throws
// IfHeaderError for anything else that does not match the grammar, including a mix of tagged and
// untagged lists and an empty list "()".
IfHeader parse_if_header(std::string_view value);

// The lock tokens the request submits (RFC 4918 §10.4.1): every state token not under "Not", from any
// list, without duplicates, in order of appearance.
std::vector<std::string> submitted_lock_tokens(const IfHeader& header);

}  // namespace dav115::webdav

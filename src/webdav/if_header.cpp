#include "dav115/webdav/if_header.hpp"

#include <algorithm>

namespace dav115::webdav {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// A recursive-descent reader over the header value; every method throws on a grammar error.
class Reader {
 public:
  explicit Reader(std::string_view s) : s_(s) {}

  void skip_space() {
    while (pos_ < s_.size() && is_space(s_[pos_])) ++pos_;
  }
  bool at_end() {
    skip_space();
    return pos_ == s_.size();
  }
  char peek() {
    skip_space();
    return pos_ < s_.size() ? s_[pos_] : '\0';
  }
  void expect(char c, const char* what) {
    if (peek() != c) throw IfHeaderError(what);
    ++pos_;
  }

  // "<" ... ">": no whitespace, controls or angle brackets inside, and not empty.
  std::string angle_bracketed(const char* what) {
    expect('<', what);
    std::size_t start = pos_;
    while (pos_ < s_.size() && s_[pos_] != '>') {
      auto c = static_cast<unsigned char>(s_[pos_]);
      if (c <= 0x20 || c == 0x7F || c == '<') throw IfHeaderError("a malformed URI in angle brackets");
      ++pos_;
    }
    if (pos_ == s_.size()) throw IfHeaderError("an unterminated '<'");
    std::string inside(s_.substr(start, pos_ - start));
    ++pos_;  // '>'
    if (inside.empty()) throw IfHeaderError("an empty URI in angle brackets");
    return inside;
  }

  // "[" [W/] DQUOTE *etagc DQUOTE "]" (RFC 9110 §8.8.3), whitespace allowed inside the brackets.
  std::string entity_tag() {
    expect('[', "expected '['");
    skip_space();
    std::size_t start = pos_;
    if (s_.substr(pos_, 2) == "W/") pos_ += 2;
    if (pos_ >= s_.size() || s_[pos_] != '"') throw IfHeaderError("an entity tag without its opening quote");
    ++pos_;
    while (pos_ < s_.size() && s_[pos_] != '"') {
      auto c = static_cast<unsigned char>(s_[pos_]);
      if (c < 0x21 || c == 0x7F) throw IfHeaderError("a character not allowed in an entity tag");
      ++pos_;
    }
    if (pos_ == s_.size()) throw IfHeaderError("an entity tag without its closing quote");
    ++pos_;
    std::string tag(s_.substr(start, pos_ - start));
    expect(']', "expected ']' after the entity tag");
    return tag;
  }

  // "Not" in any case, when it comes next.
  bool take_not() {
    skip_space();
    if (s_.size() - pos_ < 3) return false;
    std::string_view word = s_.substr(pos_, 3);
    bool is_not = std::equal(word.begin(), word.end(), "not", [](char a, char b) { return (a | 0x20) == b; });
    if (!is_not) return false;
    pos_ += 3;
    return true;
  }

 private:
  std::string_view s_;
  std::size_t pos_ = 0;
};

// A state token is a Coded-URL: an absolute URI, so it starts with a scheme ("urn:", "DAV:").
void check_absolute_uri(const std::string& uri) {
  std::size_t colon = uri.find(':');
  bool scheme_ok = colon != std::string::npos && colon > 0 && is_alpha(uri[0]) &&
                   std::all_of(uri.begin(), uri.begin() + static_cast<std::ptrdiff_t>(colon), [](char c) {
                     return is_alpha(c) || (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.';
                   });
  if (!scheme_ok) throw IfHeaderError("a state token that is not an absolute URI");
}

IfCondition parse_condition(Reader& r) {
  IfCondition c;
  c.negated = r.take_not();
  char next = r.peek();
  if (next == '<') {
    c.kind = IfCondition::Kind::StateToken;
    c.value = r.angle_bracketed("expected '<'");
    check_absolute_uri(c.value);
  } else if (next == '[') {
    c.kind = IfCondition::Kind::EntityTag;
    c.value = r.entity_tag();
  } else {
    throw IfHeaderError("expected a state token or an entity tag");
  }
  return c;
}

IfList parse_list(Reader& r, std::optional<std::string> resource) {
  IfList l{std::move(resource), {}};
  r.expect('(', "expected '('");
  while (r.peek() != ')') {
    if (r.at_end()) throw IfHeaderError("an unterminated '('");
    l.conditions.push_back(parse_condition(r));
  }
  r.expect(')', "expected ')'");
  if (l.conditions.empty()) throw IfHeaderError("an empty list");
  return l;
}

}  // namespace

IfHeader parse_if_header(std::string_view value) {
  Reader r(value);
  IfHeader h;
  if (r.at_end()) throw IfHeaderError("an empty If header");
  // The first production decides: the grammar has either only untagged or only tagged lists.
  const bool tagged = r.peek() == '<';
  std::optional<std::string> resource;
  while (!r.at_end()) {
    if (r.peek() == '<') {
      if (!tagged) throw IfHeaderError("a resource tag after untagged lists");
      resource = r.angle_bracketed("expected '<'");
      if (r.peek() != '(') throw IfHeaderError("a resource tag without a list");
    }
    h.lists.push_back(parse_list(r, resource));
  }
  return h;
}

std::vector<std::string> submitted_lock_tokens(const IfHeader& header) {
  std::vector<std::string> tokens;
  for (const IfList& l : header.lists)
    for (const IfCondition& c : l.conditions)
      if (c.kind == IfCondition::Kind::StateToken && !c.negated &&
          std::find(tokens.begin(), tokens.end(), c.value) == tokens.end())
        tokens.push_back(c.value);
  return tokens;
}

}  // namespace dav115::webdav

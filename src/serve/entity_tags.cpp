#include "dav115/serve/entity_tags.hpp"

#include <cctype>
#include <charconv>

#include "dav115/util/text.hpp"

namespace dav115::serve {
namespace {

// An ETag is quoted and may not contain '"' (RFC 9110 etagc); upstream ids are digits, but keep
// only characters that are certainly safe so a surprising id cannot break the header.
void append_safe(std::string& out, const std::string& s) {
  for (char c : s)
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') out += c;
}

}  // namespace

void append_strong_etag(std::string& out, const vfs::Node& node) {
  out += '"';
  if (!node.is_dir && !node.sha1.empty()) {
    // Upper case everywhere, as 115 reports it; normalise in case a source sends lower case.
    for (char c : node.sha1)
      if (std::isxdigit(static_cast<unsigned char>(c)))
        out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  } else {
    out += node.is_dir ? "d-" : "f-";
    append_safe(out, node.id);
    out += '-';
    util::append_hex(out, static_cast<std::uint64_t>(node.mtime));
    if (!node.is_dir) {
      out += '-';
      util::append_hex(out, node.size);
    }
  }
  out += '"';
}

std::string strong_etag(const vfs::Node& node) {
  std::string s;
  s.reserve(44);
  append_strong_etag(s, node);
  return s;
}

}  // namespace dav115::serve

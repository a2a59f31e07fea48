#include "dav115/serve/path_codec.hpp"

#include <boost/url/encode.hpp>
#include <boost/url/pct_string_view.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

namespace dav115::serve {

void append_encoded_segment(std::string& out, std::string_view segment) {
  namespace urls = boost::urls;
  urls::encoding_opts opts;  // upper-case hex, no '+' for space: exactly what clients want
  std::size_t n = urls::encoded_size(segment, urls::unreserved_chars, opts);
  std::size_t at = out.size();
  out.resize(at + n);
  urls::encode(out.data() + at, n, segment, urls::unreserved_chars, opts);
}

std::string encode_segment(std::string_view segment) {
  std::string out;
  append_encoded_segment(out, segment);
  return out;
}

std::string encode_path(const std::vector<std::string>& segments, bool trailing_slash) {
  std::string out;
  for (const auto& s : segments) {
    out += '/';
    append_encoded_segment(out, s);
  }
  if (out.empty() || trailing_slash) out += '/';
  return out;
}

std::optional<std::string> decode_segment(std::string_view encoded) {
  auto checked = boost::urls::make_pct_string_view(encoded);
  if (!checked) return std::nullopt;
  return checked->decode();
}

}  // namespace dav115::serve

// Request targets and href segments (client-controlled): decode_request_path must never yield a
// segment that could leave its folder, and the href codec must round-trip whatever it accepts.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "dav115/util/unicode.hpp"
#include "dav115/serve/path_codec.hpp"
#include "dav115/serve/request_path.hpp"
#include "dav115/webdav/xml_text.hpp"
#include "fuzz_check.hpp"

namespace {

using namespace dav115;

void check_safe(const serve::PathDecodeResult& r) {
  FUZZ_CHECK(r.status == 0 || r.status == 400 || r.status == 404);
  if (!r.ok()) return;
  FUZZ_CHECK(r.path.segments.size() == r.path.lookup_segments.size());
  for (const auto* list : {&r.path.segments, &r.path.lookup_segments}) {
    for (const auto& s : *list) {
      FUZZ_CHECK(!s.empty() && s != "." && s != "..");
      FUZZ_CHECK(s.find('/') == std::string::npos && s.find('\\') == std::string::npos);
      for (unsigned char c : s) FUZZ_CHECK(c >= 0x20 && c != 0x7f);
      FUZZ_CHECK(util::is_valid_utf8(s));
    }
  }
}

void check_codec(std::string_view text) {
  // Anything encoded decodes back to itself, and an encoded segment never holds a '/'.
  auto encoded = serve::encode_segment(text);
  FUZZ_CHECK(encoded.find('/') == std::string::npos);
  auto back = serve::decode_segment(encoded);
  FUZZ_CHECK(back && *back == text);
  // Decoding the raw text either fails or gives something that re-encodes to a decodable form.
  if (auto decoded = serve::decode_segment(text)) {
    auto again = serve::decode_segment(serve::encode_segment(*decoded));
    FUZZ_CHECK(again && *again == *decoded);
  }
  std::string xml;
  webdav::append_xml_text(xml, text);
  FUZZ_CHECK(xml.find('<') == std::string::npos && xml.find('>') == std::string::npos);
  for (unsigned char c : xml) FUZZ_CHECK(c >= 0x20 || c == '\t' || c == '\n' || c == '\r');
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view target(reinterpret_cast<const char*>(data), size);
  check_safe(serve::decode_request_path(target, "/dav/"));
  check_safe(serve::decode_request_path(target, "/"));
  check_codec(target);
  return 0;
}

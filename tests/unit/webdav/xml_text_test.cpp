#include <catch2/catch.hpp>

#include <string>

#include "dav115/webdav/xml_text.hpp"

using namespace dav115::webdav;

namespace {
constexpr const char* kFffd = "\xEF\xBF\xBD";

std::string text(std::string_view s) {
  std::string out;
  append_xml_text(out, s);
  return out;
}
std::string attribute(std::string_view s) {
  std::string out;
  append_xml_attribute(out, s);
  return out;
}
}  // namespace

TEST_CASE("XML text: the five specials are escaped, valid UTF-8 passes unchanged") {
  CHECK(text("a&b<c>\"d'") == "a&amp;b&lt;c&gt;&quot;d&apos;");
  CHECK(text("中文 🎬 é\t\n\r") == "中文 🎬 é\t\n\r");
  CHECK(text(kFffd) == kFffd);
  CHECK(text("\xEF\xB7\x90") == "\xEF\xB7\x90");  // U+FDD0: a noncharacter, but XML 1.0 allows it
  CHECK(text("").empty());
}

TEST_CASE("XML text: ill-formed UTF-8 and characters XML 1.0 forbids become U+FFFD") {
  CHECK(text("a\xFF" "b") == std::string("a") + kFffd + "b");
  CHECK(text("\xC0\xAE") == std::string(kFffd) + kFffd);             // overlong '.'
  CHECK(text("\xED\xA0\x80") == std::string(kFffd) + kFffd + kFffd);  // a UTF-8-encoded surrogate
  CHECK(text("x\xE4\xB8") == std::string("x") + kFffd + kFffd);       // truncated at the end
  CHECK(text("\xF4\x90\x80\x80").find('\xF4') == std::string::npos);  // above U+10FFFF
  CHECK(text("\xEF\xBF\xBE") == kFffd);                                // U+FFFE: one replacement
  CHECK(text("a\xEF\xBF\xBF") == std::string("a") + kFffd);           // U+FFFF
  CHECK(text(std::string("x\x01y\0z", 5)) == std::string("x") + kFffd + "y" + kFffd + "z");
  for (std::string bad : {"\xFF", "\xC0\xAE", "\xED\xA0\x80", "\xEF\xBF\xBE", "\x01", "\xF4\x90\x80\x80", "\xE4\xB8"})
    CHECK(is_xml_text(text(bad)));
}

TEST_CASE("XML attribute values keep tab, LF and CR as character references") {
  CHECK(attribute("a\tb\nc\rd\"") == "a&#9;b&#10;c&#13;d&quot;");
  CHECK(attribute("\xFF") == kFffd);
}

TEST_CASE("is_xml_text tells XML text from the rest") {
  CHECK(is_xml_text("urn:x 中文 \t"));
  CHECK_FALSE(is_xml_text("a\xFF"));
  CHECK_FALSE(is_xml_text("\xED\xA0\x80"));
  CHECK_FALSE(is_xml_text("\xEF\xBF\xBE"));
  CHECK_FALSE(is_xml_text("\xEF\xBF\xBF"));
  CHECK_FALSE(is_xml_text(std::string("\0", 1)));
  CHECK_FALSE(is_xml_text("\x1F"));
}

#include <catch2/catch.hpp>

#include <string>

#include "dav115/webdav/xml_text.hpp"

using namespace dav115::webdav;

TEST_CASE("XML escaping of text") {
  std::string out;
  append_xml_escaped(out, "a&b<c>\"d'");
  CHECK(out == "a&amp;b&lt;c&gt;&quot;d&apos;");
  out.clear();
  append_xml_escaped(out, std::string("x\x01y", 3));
  CHECK(out == "x\xEF\xBF\xBDy");
}

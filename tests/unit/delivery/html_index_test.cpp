#include <catch2/catch.hpp>

#include "dav115/delivery/html_index.hpp"

using namespace dav115;
using namespace dav115::delivery;

TEST_CASE("HTML index escapes names and percent-encodes links") {
  vfs::Node dir;
  dir.name = "<script>alert(1)</script>";
  dir.is_dir = true;
  vfs::Node file;
  file.name = "Tom & \"Jerry\" #1 ?.mkv";
  file.size = 2048;
  file.mtime = 0;
  auto html = render_html_index("/Movies & <TV>/", {file, dir}, "./", "../");

  CHECK(html.find("<script>") == std::string::npos);
  CHECK(html.find("&lt;script&gt;alert(1)&lt;/script&gt;/") != std::string::npos);
  CHECK(html.find("Index of /Movies &amp; &lt;TV&gt;/") != std::string::npos);
  CHECK(html.find("href=\"./%3Cscript%3Ealert%281%29%3C%2Fscript%3E/\"") != std::string::npos);
  CHECK(html.find("href=\"./Tom%20%26%20%22Jerry%22%20%231%20%3F.mkv\"") != std::string::npos);
  CHECK(html.find("Tom &amp; &quot;Jerry&quot; #1 ?.mkv") != std::string::npos);
  CHECK(html.find("2.0 KiB") != std::string::npos);
  CHECK(html.find("1970-01-01 00:00") != std::string::npos);
  CHECK(html.find("href=\"../\"") != std::string::npos);
  // Folders are listed before files.
  CHECK(html.find("%3Cscript") < html.find("Tom%20"));
}

TEST_CASE("HTML index links from a URL without a trailing slash keep the folder") {
  vfs::Node file;
  file.name = "a.txt";
  auto html = render_html_index("/My Docs", {file}, "./My%20Docs/", "./");
  CHECK(html.find("href=\"./My%20Docs/a.txt\"") != std::string::npos);
}

TEST_CASE("HTML index of the root has no parent link") {
  auto html = render_html_index("/", {}, "./", "");
  CHECK(html.find("../") == std::string::npos);
  CHECK(html.find("<!DOCTYPE html>") == 0);
}

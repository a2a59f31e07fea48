// Dates, content types, ETags and upstream-error responses: the small pieces delivery reuses.
#include <catch2/catch.hpp>

#include "dav115/serve/content_types.hpp"
#include "dav115/serve/entity_tags.hpp"
#include "dav115/util/http_dates.hpp"
#include "dav115/serve/upstream_error.hpp"

using namespace dav115;
using namespace dav115::serve;
using namespace dav115::util;

TEST_CASE("HTTP and RFC 3339 dates") {
  // 2026-11-25T18:46:43Z
  constexpr std::int64_t t = 1795632403;
  CHECK(format_http_date(t) == "Wed, 25 Nov 2026 18:46:43 GMT");
  CHECK(format_rfc3339(t) == "2026-11-25T18:46:43Z");
  CHECK(format_http_date(0) == "Thu, 01 Jan 1970 00:00:00 GMT");
  CHECK(format_rfc3339(951782400) == "2000-02-29T00:00:00Z");
  CHECK(format_http_date(951782400) == "Tue, 29 Feb 2000 00:00:00 GMT");
}

TEST_CASE("parse_http_date accepts the three HTTP forms and nothing else") {
  constexpr std::int64_t t = 1795632403;
  CHECK(parse_http_date("Wed, 25 Nov 2026 18:46:43 GMT") == t);
  CHECK(parse_http_date("  Wed, 25 Nov 2026 18:46:43 GMT ") == t);
  CHECK(parse_http_date("Wednesday, 25-Nov-26 18:46:43 GMT") == t);
  CHECK(parse_http_date("Wed Nov 25 18:46:43 2026") == t);
  CHECK(parse_http_date("Sun Nov  6 08:49:37 1994") == 784111777);
  CHECK(parse_http_date(format_http_date(123456789)) == 123456789);
  CHECK_FALSE(parse_http_date(""));
  CHECK_FALSE(parse_http_date("2026-11-25T18:46:43Z"));
  CHECK_FALSE(parse_http_date("Wed, 25 Nov 2026 18:46:43 UTC"));
  CHECK_FALSE(parse_http_date("Wed, 31 Feb 2026 18:46:43 GMT"));
  CHECK_FALSE(parse_http_date("Wed, 25 Foo 2026 18:46:43 GMT"));
  CHECK_FALSE(parse_http_date("Wed, 25 Nov 2026 25:46:43 GMT"));
}

TEST_CASE("content types by extension") {
  CHECK(content_type_for("movie.mkv") == "video/x-matroska");
  CHECK(content_type_for("MOVIE.MP4") == "video/mp4");
  CHECK(content_type_for("a.b.srt") == "application/x-subrip");
  CHECK(content_type_for("song.flac") == "audio/flac");
  CHECK(content_type_for("sub.ass") == "text/x-ssa");
  CHECK(content_type_for("noext") == kDefaultContentType);
  CHECK(content_type_for("trailing.") == kDefaultContentType);
  CHECK(content_type_for("x.unknownext") == kDefaultContentType);
  // The media overrides win over /etc/mime.types (Qt Linguist there).
  CHECK(content_type_for("clip.ts") == "video/mp2t");
  CHECK(content_type_for("clip.M2TS") == "video/mp2t");
}

TEST_CASE("content types come from Debian's /etc/mime.types") {
  // media-types is a build dependency (scripts/setup.sh), so the system table must be there.
  REQUIRE(system_mime_type_count() > 500);
  // Types the old hand-kept table never had.
  CHECK(content_type_for("paper.odt") == "application/vnd.oasis.opendocument.text");
  CHECK(content_type_for("book.azw3") == "application/vnd.amazon.mobi8-ebook");
}

TEST_CASE("strong ETags: the sha1 for files, id+mtime for folders") {
  vfs::Node file;
  file.name = "a.mkv";
  file.sha1 = "0123456789ABCDEF0123456789ABCDEF01234567";
  file.id = "123";
  file.mtime = 100;
  CHECK(strong_etag(file) == "\"0123456789ABCDEF0123456789ABCDEF01234567\"");
  file.sha1 = "0123456789abcdef0123456789abcdef01234567";  // one case everywhere
  CHECK(strong_etag(file) == "\"0123456789ABCDEF0123456789ABCDEF01234567\"");

  vfs::Node dir;
  dir.is_dir = true;
  dir.id = "2800000000000000001";
  dir.mtime = 1700000000;
  std::string tag = strong_etag(dir);
  CHECK(tag.front() == '"');
  CHECK(tag.back() == '"');
  CHECK(tag.find("W/") == std::string::npos);
  CHECK(tag == strong_etag(dir));  // stable
  vfs::Node later = dir;
  later.mtime += 1;
  CHECK(strong_etag(later) != tag);
  vfs::Node other = dir;
  other.id = "2800000000000000002";
  CHECK(strong_etag(other) != tag);
}

TEST_CASE("upstream failures become 503 with Retry-After") {
  using Kind = vfs::BackendError::Kind;
  auto r = upstream_error_response(vfs::BackendError(Kind::RateLimited, "x", std::chrono::seconds(30)));
  CHECK(r.status == 503);
  CHECK(r.header("Retry-After") == "30");
  CHECK_FALSE(r.body.empty());

  r = upstream_error_response(vfs::BackendError(Kind::Unavailable, "x", std::chrono::seconds(0)));
  CHECK(r.status == 503);
  CHECK(r.header("Retry-After") == "1");

  r = upstream_error_response(vfs::BackendError(Kind::ReauthRequired, "x", std::chrono::seconds(5)));
  CHECK(r.status == 503);
  CHECK(r.body.find("refresh token was rejected; re-authorize") != std::string::npos);
}

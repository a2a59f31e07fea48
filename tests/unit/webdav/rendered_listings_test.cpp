// RenderedListings: a Depth-1 answer built from pieces is byte-for-byte the one rendered entry by
// entry; a new listing version re-renders exactly the entries that changed.
#include <catch2/catch.hpp>

#include <memory>
#include <string>

#include "dav115/webdav/propfind_body.hpp"
#include "dav115/webdav/rendered_listings.hpp"

using namespace dav115;
using namespace dav115::webdav;

namespace {

std::shared_ptr<vfs::Listing> listing_of(int n, std::uint64_t version) {
  auto l = std::make_shared<vfs::Listing>();
  l->version = version;
  for (int i = 0; i < n; ++i) {
    vfs::Node c;
    c.name = "file & " + std::to_string(i) + ".txt";
    c.id = std::to_string(5000 + i);
    c.size = 1000 + i;
    c.mtime = 1700000000 + i;
    c.ctime = 1690000000;
    c.sha1 = "0123456789ABCDEF0123456789ABCDEF01234567";
    l->entries.push_back(c);
  }
  return l;
}

PropfindBody::Parts parts_for(std::shared_ptr<const vfs::Listing> listing) {
  PropfindBody::Parts parts;
  parts.parent_href = "/dav/";
  parts.self_segment = "Films 2024";
  parts.self.name = "Films 2024";
  parts.self.is_dir = true;
  parts.self.id = "42";
  parts.listing = std::move(listing);
  return parts;
}

std::string answer(const PropfindRequest& request, PropfindBody::Parts parts) {
  PropfindBody body(request, std::move(parts));
  body.render(SIZE_MAX);
  REQUIRE(body.complete());
  return body.take_all();
}

}  // namespace

TEST_CASE("rendered listings: the same bytes as rendering each entry, for every property set") {
  for (const char* xml : {"", "<?xml version=\"1.0\"?><D:propfind xmlns:D=\"DAV:\"><D:propname/></D:propfind>",
                          "<?xml version=\"1.0\"?><d:propfind xmlns:d=\"DAV:\" xmlns:x=\"urn:x\"><d:prop><d:getetag/>"
                          "<x:color/><d:getcontentlength/><d:resourcetype/></d:prop></d:propfind>"}) {
    INFO(xml);
    const auto request = parse_propfind(xml);
    auto listing = listing_of(50, 7);
    RenderedListings cache(1 << 20);
    auto parts = parts_for(listing);
    parts.rendered = cache.get(request, PropfindBody::children_href_of(parts), listing);
    REQUIRE(parts.rendered);
    CHECK(answer(request, parts_for(listing)) == answer(request, std::move(parts)));
  }
}

TEST_CASE("rendered listings: a repeat is a hit; a new version re-renders only the entries that changed") {
  const auto request = parse_propfind("");
  RenderedListings cache(1 << 20);
  auto v1 = listing_of(100, 1);
  const std::string href = "/dav/Films%202024/";
  auto first = cache.get(request, href, v1);
  CHECK(cache.stats().pieces_rendered == 100);
  CHECK(cache.get(request, href, v1) == first);
  CHECK(cache.stats().hits == 1);

  // A write renamed one entry and added one: version 2.
  auto v2 = listing_of(100, 2);
  v2->entries[10].name = "renamed.txt";
  auto added = v2->entries[0];
  added.id = "9999";
  added.name = "new.txt";
  v2->entries.push_back(added);
  auto second = cache.get(request, href, v2);
  auto s = cache.stats();
  CHECK(s.rebuilds == 1);
  CHECK(s.pieces_reused == 99);
  CHECK(s.pieces_rendered == 102);  // 100 + the renamed + the new
  CHECK(second->piece(10).find("renamed.txt") != std::string_view::npos);
  CHECK(second->piece(100).find("new.txt") != std::string_view::npos);
  CHECK(second->piece(11) == first->piece(11));

  // And the pieces still make the answer an entry-by-entry rendering makes.
  auto parts = parts_for(v2);
  parts.rendered = second;
  CHECK(answer(request, parts_for(v2)) == answer(request, std::move(parts)));
}

TEST_CASE("rendered listings: bounded in bytes, least recently used out; 0 turns it off") {
  const auto request = parse_propfind("");
  auto listing = listing_of(20, 1);
  RenderedListings probe(1 << 20);
  const std::size_t one = probe.get(request, "/a/", listing)->xml.size();
  RenderedListings cache(one * 2 + one / 2);  // room for two folders
  cache.get(request, "/a/", listing);
  cache.get(request, "/b/", listing);
  cache.get(request, "/a/", listing);  // a is now the most recent
  cache.get(request, "/c/", listing);  // b goes
  CHECK(cache.stats().bytes <= one * 2 + one / 2);
  const auto hits = cache.stats().hits;
  cache.get(request, "/a/", listing);
  CHECK(cache.stats().hits == hits + 1);
  cache.get(request, "/b/", listing);
  CHECK(cache.stats().hits == hits + 1);  // rendered again

  RenderedListings off(0);
  CHECK(off.get(request, "/a/", listing) == nullptr);
}

TEST_CASE("rendered listings: an entry with client-set state is rendered per request, not from its piece") {
  const auto request = parse_propfind("");
  auto listing = listing_of(3, 1);
  RenderedListings cache(1 << 20);
  auto parts = parts_for(listing);
  parts.rendered = cache.get(request, PropfindBody::children_href_of(parts), listing);
  auto times = std::make_shared<std::unordered_map<std::string, store::ClientTimes>>();
  store::ClientTimes t;
  t.mtime = 1234567890;  // Fri, 13 Feb 2009 23:31:30 GMT
  (*times)["5001"] = t;
  parts.times = times;
  const auto text = answer(request, std::move(parts));
  CHECK(text.find("Fri, 13 Feb 2009 23:31:30 GMT") != std::string::npos);
}

TEST_CASE("rendered listings: an answer over half the budget is not kept, and that version is not tried again") {
  const auto request = parse_propfind("");
  auto listing = listing_of(200, 1);
  RenderedListings probe(1 << 20);
  const std::size_t whole = probe.get(request, "/a/", listing)->xml.size();
  RenderedListings cache(whole);  // half of it is less than the whole answer
  CHECK(cache.get(request, "/a/", listing) == nullptr);
  CHECK(cache.get(request, "/a/", listing) == nullptr);
  const auto s = cache.stats();
  CHECK(s.too_big == 1);
  CHECK(s.pieces_rendered == 1);  // the first entry showed the size: no more was rendered
  CHECK(s.bytes == 0);
}

TEST_CASE("rendered listings: a request naming thousands of properties is refused after its first entry") {
  std::string body = R"(<?xml version="1.0" encoding="utf-8"?><D:propfind xmlns:D="DAV:"><D:prop xmlns:X="urn:)" +
                     std::string(30000, 'n') + "\">";
  for (int i = 0; i < 3600; ++i) body += "<X:p" + std::to_string(1000 + i) + "/>";
  body += "</D:prop></D:propfind>";
  const auto request = parse_propfind(body);
  RenderedListings cache(64 << 20);
  CHECK(cache.get(request, "/many/", listing_of(5000, 1)) == nullptr);
  CHECK(cache.stats().pieces_rendered == 1);
  CHECK(cache.stats().too_big == 1);
}

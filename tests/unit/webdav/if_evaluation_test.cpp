#include <catch2/catch.hpp>

#include <map>
#include <string>

#include "dav115/webdav/if_evaluation.hpp"

using namespace dav115::webdav;

namespace {

// A tiny world: "/f" is locked by urn:uuid:L and has ETag "e1"; "/g" exists unlocked; the rest is
// unmapped. Tags resolve by dropping "http://h/dav".
struct World {
  std::map<std::string, ResourceState> states{
      {"/f", {std::string("\"e1\""), {"urn:uuid:L"}}},
      {"/g", {std::string("\"e2\""), {}}},
  };
  int lookups = 0;

  bool holds(std::string_view header, std::string_view request_path = "/f") {
    ResolveTag resolve = [](std::string_view tag) -> std::optional<std::string> {
      constexpr std::string_view prefix = "http://h/dav";
      if (!tag.starts_with(prefix)) return std::nullopt;
      return std::string(tag.substr(prefix.size()));
    };
    StateOf state_of = [this](std::string_view path) {
      ++lookups;
      auto it = states.find(std::string(path));
      return it == states.end() ? ResourceState{} : it->second;
    };
    return if_header_holds(parse_if_header(header), request_path, resolve, state_of);
  }
};

}  // namespace

TEST_CASE("If evaluation: the litmus conditional PUTs") {
  World w;
  CHECK(w.holds(R"((<urn:uuid:L> ["e1"]))"));                               // cond_put
  CHECK_FALSE(w.holds(R"((<DAV:no-lock> ["e1"]))"));                        // fail_cond_put
  CHECK(w.holds(R"((<urn:uuid:L>) (Not <DAV:no-lock>))"));                  // cond_put_with_not
  CHECK(w.holds(R"((<urn:uuid:Lx>) (Not <DAV:no-lock>))"));                 // corrupt token: true, the
                                                                            // lock check then gives 423
  CHECK(w.holds(R"((<urn:uuid:L> ["e1"]) (Not <DAV:no-lock> ["e1"]))"));    // complex_cond_put
  CHECK_FALSE(w.holds(R"((<urn:uuid:L> ["e9"]) (Not <DAV:no-lock> ["e9"]))"));  // fail_complex_cond_put
  CHECK_FALSE(w.holds("(<DAV:no-lock>)", "/g"));                            // fail_cond_put_unlocked
}

TEST_CASE("If evaluation: Not, ETags weak and strong, conjunction within a list") {
  World w;
  CHECK(w.holds(R"(([W/"e1"]))"));  // weak comparison ignores W/
  CHECK(w.holds(R"(([W/"e2"]))", "/g"));
  CHECK_FALSE(w.holds(R"((["e2"]))"));
  CHECK(w.holds(R"((Not ["e2"]))"));
  CHECK_FALSE(w.holds(R"((Not ["e1"]))"));
  CHECK_FALSE(w.holds(R"((["e1"] Not <urn:uuid:L>))"));  // second condition fails
  CHECK_FALSE(w.holds(R"((<urn:uuid:L>))", "/g"));       // the token is not on /g
}

TEST_CASE("If evaluation: an unmapped request URI fails plain conditions and satisfies Not") {
  World w;
  CHECK_FALSE(w.holds(R"((["e1"]))", "/missing"));
  CHECK_FALSE(w.holds("(<urn:uuid:L>)", "/missing"));
  CHECK(w.holds(R"((Not ["e1"]))", "/missing"));
}

TEST_CASE("If evaluation: tagged lists are evaluated against their own resource") {
  World w;
  // Request on /g, but the tag names /f, whose lock and ETag match.
  CHECK(w.holds(R"(<http://h/dav/f> (<urn:uuid:L> ["e1"]))", "/g"));
  CHECK_FALSE(w.holds(R"(<http://h/dav/g> (<urn:uuid:L>))", "/f"));
  // Any tag with a matching list is enough.
  CHECK(w.holds(R"(<http://h/dav/g> (<urn:uuid:L>) <http://h/dav/f> (<urn:uuid:L>))", "/g"));
  // A tag that resolves to nothing is an unmapped URL, not an error.
  CHECK_FALSE(w.holds(R"(<http://other/f> (<urn:uuid:L>))", "/f"));
  CHECK(w.holds(R"(<http://other/f> (Not <urn:uuid:L>))", "/f"));
}

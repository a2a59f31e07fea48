// PendingWrites on its own: how it patches a folder's entries, when a write counts as confirmed (only
// by a listing from upstream that shows it), and that it is forgotten after the hold.
#include <catch2/catch.hpp>

#include "../../../src/vfs/pending_writes.hpp"
#include "fake_api.hpp"

using namespace vfs_test;
using dav115::vfs::PendingWrites;

namespace {
using Entries = std::vector<cloud115::Entry>;
const auto t0 = std::chrono::steady_clock::time_point{} + std::chrono::hours(1);

std::vector<std::string> pw_names(const Entries& entries) {
  std::vector<std::string> out;
  for (const auto& e : entries) out.push_back(e.id + ":" + e.name);
  return out;
}
// `entries` as they come out of apply().
std::vector<std::string> applied(PendingWrites& p, Entries entries, bool from_upstream,
                                 std::chrono::seconds at = 0s, const std::string& folder = "F") {
  p.apply(folder, entries, t0 + at, from_upstream);
  return pw_names(entries);
}
using Strings = std::vector<std::string>;
}  // namespace

TEST_CASE("pending: an addition is shown until a listing from upstream shows it") {
  PendingWrites p(120s);
  p.added("F", entry("2", "F", "new", false), t0);
  Entries before{entry("1", "F", "old", false)};
  Entries after{entry("1", "F", "old", false), entry("2", "F", "new", false)};

  CHECK(applied(p, before, false) == Strings{"1:old", "2:new"});
  CHECK(applied(p, before, true) == Strings{"1:old", "2:new"});  // 115 lags: still pending
  CHECK(applied(p, after, false) == Strings{"1:old", "2:new"});  // a patched listing confirms nothing
  CHECK(p.size() == 1);
  CHECK(applied(p, after, true) == Strings{"1:old", "2:new"});  // 115 shows it: confirmed
  CHECK(p.size() == 0);
  CHECK(applied(p, before, true) == Strings{"1:old"});  // from now on 115 is believed
}

TEST_CASE("pending: a rename shows the new name until upstream lists it") {
  PendingWrites p(120s);
  p.added("F", entry("1", "F", "renamed", false), t0);
  CHECK(applied(p, {entry("1", "F", "old", false)}, true) == Strings{"1:renamed"});
  CHECK(p.size() == 1);
  CHECK(applied(p, {entry("1", "F", "renamed", false)}, true) == Strings{"1:renamed"});
  CHECK(p.size() == 0);
}

TEST_CASE("pending: a removal hides the entry until a listing from upstream lacks it") {
  PendingWrites p(120s);
  p.removed("F", "1", t0);
  Entries with{entry("1", "F", "x", false), entry("2", "F", "y", false)};
  Entries without{entry("2", "F", "y", false)};
  CHECK(applied(p, with, true) == Strings{"2:y"});
  CHECK(applied(p, without, false) == Strings{"2:y"});
  CHECK(p.size() == 1);  // a patched listing lacking it proves nothing
  CHECK(applied(p, without, true) == Strings{"2:y"});
  CHECK(p.size() == 0);
  CHECK(applied(p, with, true) == Strings{"1:x", "2:y"});
}

TEST_CASE("pending: after the hold the upstream listing alone is believed") {
  PendingWrites p(120s);
  p.added("F", entry("2", "F", "new", false), t0);
  p.removed("F", "1", t0);
  Entries lagging{entry("1", "F", "old", false)};
  CHECK(applied(p, lagging, true, 119s) == Strings{"2:new"});
  CHECK(p.size() == 2);
  CHECK(applied(p, lagging, false, 120s) == Strings{"1:old"});
  CHECK(p.size() == 0);
}

TEST_CASE("pending: writes apply only to their folder, and the latest write to an object wins") {
  PendingWrites p(120s);
  p.added("F", entry("2", "F", "new", false), t0);
  CHECK(applied(p, {}, true, 0s, "G").empty());
  p.removed("F", "2", t0 + 1s);  // created, then deleted again
  CHECK(applied(p, {entry("2", "F", "new", false)}, true).empty());
  CHECK(p.size() == 1);
  p.added("G", entry("2", "G", "new", false), t0 + 2s);  // moved elsewhere: F still hides it
  CHECK(applied(p, {}, false, 2s, "G") == Strings{"2:new"});
  CHECK(p.size() == 2);
}

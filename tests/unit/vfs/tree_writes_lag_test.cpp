// Writes while 115's listings lag behind them: a refetch or background revalidation must not drop or
// revive what was just written (the pending-write overlay), until 115 shows it or the hold (120 s) ends.
// Also writes whose answer never came (uncertain): the Tree looks at the folder to learn the outcome.
#include <catch2/catch.hpp>

#include "write_fixture.hpp"

using namespace vfs_test;

TEST_CASE("a written file stays listed while 115's listing lags, until the hold ends") {
  WriteFixture f;
  auto docs = f.at({"docs"});
  REQUIRE(f.names(docs) == Names{"a.txt"});  // cached
  f.api.freeze_listing("10");  // 115 keeps listing docs as it is now
  run(f.io, f.tree->put_file(docs, "n.bin", staged(3, "S"), std::nullopt, soon()));

  f.clock.advance(61s);
  f.revalidate(docs);
  CHECK(f.api.list_calls("10") == 2);
  CHECK(f.names(docs) == Names{"a.txt", "n.bin"});

  f.clock.advance(61s);  // 122 s after the write: the hold is over
  f.revalidate(docs);
  CHECK(f.names(docs) == Names{"a.txt"});  // the upstream listing alone is believed
}

TEST_CASE("a removed file and a renamed one stay so while 115's listing lags") {
  WriteFixture f;
  auto docs = f.at({"docs"});
  f.api.put_folder("10", {entry("20", "10", "a.txt", false), entry("22", "10", "gone.txt", false)});
  f.api.freeze_listing("10");
  run(f.io, f.tree->remove(docs, f.at({"docs", "gone.txt"}), soon()));
  run(f.io, f.tree->move(docs, f.at({"docs", "a.txt"}), docs, "z.txt", std::nullopt, soon()));
  REQUIRE(f.names(docs) == Names{"z.txt"});

  f.clock.advance(61s);
  f.revalidate(docs);
  CHECK(f.names(docs) == Names{"z.txt"});
  CHECK(f.at({"docs", "z.txt"}).id == "20");

  f.clock.advance(61s);
  f.revalidate(docs);
  CHECK(f.names(docs) == Names{"a.txt", "gone.txt"});  // what the (still lagging) 115 lists
}

TEST_CASE("once 115 lists a write, its listing is believed again before the hold ends") {
  WriteFixture f;
  auto docs = f.at({"docs"});
  run(f.io, f.tree->put_file(docs, "n.bin", staged(3, "S"), std::nullopt, soon()));
  f.tree->invalidate("10");
  REQUIRE(f.names(docs) == Names{"a.txt", "n.bin"});  // listed by 115 itself: the write is confirmed

  f.api.put_folder("10", {entry("20", "10", "a.txt", false)});  // then deleted in the 115 app
  f.tree->invalidate("10");
  CHECK(f.names(docs) == Names{"a.txt"});
  CHECK(f.api.list_calls("10") == 2);
}

TEST_CASE("a revalidation that started before a write and lands after it keeps the written entry") {
  WriteFixture f;
  auto docs = f.at({"docs"});
  REQUIRE(f.names(docs) == Names{"a.txt"});  // cached
  f.clock.advance(61s);
  f.api.hold_next_list("10");
  f.list(docs);  // stale: starts the background revalidation, which lists docs before the write
  REQUIRE(run_until(f.io, [&] { return f.api.lists_held() == 1; }));

  auto made = run(f.io, f.tree->make_folder(docs, "new", soon()));
  REQUIRE(f.names(docs) == Names{"a.txt", "new"});

  f.api.release_lists();
  REQUIRE(run_until(f.io, [&] { return f.tree->stats().revalidations == 1; }));
  CHECK(f.api.list_calls("10") == 2);
  auto listing = f.list(docs);
  REQUIRE(listing->find("new"));
  CHECK(listing->find("new")->id == made.id);
}

TEST_CASE("a listing that started before a confirming one cannot land over it and drop the write") {
  WriteFixture f;
  auto docs = f.at({"docs"});
  REQUIRE(f.names(docs) == Names{"a.txt"});  // cached
  f.clock.advance(61s);
  f.api.hold_next_list("10");
  f.list(docs);  // the background revalidation lists docs before the write, and is held
  REQUIRE(run_until(f.io, [&] { return f.api.lists_held() == 1; }));

  run(f.io, f.tree->make_folder(docs, "new", soon()));
  f.tree->invalidate("10");  // (or evicted) the next read lists docs anew: 115 shows "new"
  REQUIRE(f.names(docs) == Names{"a.txt", "new"});
  CHECK(f.api.list_calls("10") == 3);

  f.api.release_lists();  // the older listing, without "new", lands last
  REQUIRE(run_until(f.io, [&] { return f.tree->stats().revalidations == 1; }));
  CHECK(f.names(docs) == Names{"a.txt", "new"});
}

TEST_CASE("an uncertain make_folder is decided by re-reading the parent") {
  WriteFixture f;
  auto root = f.tree->root();
  REQUIRE(f.names(root) == Names{"docs", "other"});
  bool applied = GENERATE(true, false);
  f.api.uncertain_next("make_folder", applied);
  if (applied) {
    auto made = run(f.io, f.tree->make_folder(root, "new", soon()));
    CHECK(made.id == f.api.child("0", "new")->id);
    CHECK(made.is_dir);
    CHECK(f.names(root) == Names{"docs", "new", "other"});
  } else {
    CHECK_THROWS_AS(run(f.io, f.tree->make_folder(root, "new", soon())), vfs::BackendError);
    CHECK(f.names(root) == Names{"docs", "other"});
  }
  CHECK(f.api.list_calls("0") == 2);  // the re-read
}

TEST_CASE("an uncertain remove is decided by re-reading the parent") {
  WriteFixture f;
  auto docs = f.at({"docs"});
  auto file = f.at({"docs", "a.txt"});
  bool applied = GENERATE(true, false);
  f.api.uncertain_next("remove", applied);
  if (applied) {
    run(f.io, f.tree->remove(docs, file, soon()));
    CHECK(f.names(docs).empty());
  } else {
    CHECK_THROWS_AS(run(f.io, f.tree->remove(docs, file, soon())), vfs::BackendError);
    CHECK(f.names(docs) == Names{"a.txt"});
  }
  CHECK(f.api.list_calls("10") == 2);
}

TEST_CASE("an upload whose answer never came is not shown as saved") {
  WriteFixture f;
  auto docs = f.at({"docs"});
  REQUIRE(f.names(docs) == Names{"a.txt"});
  f.api.uncertain_next("upload", /*applied=*/true);
  CHECK_THROWS_AS(run(f.io, f.tree->put_file(docs, "n.bin", staged(3, "S"), std::nullopt, soon())),
                  vfs::BackendError);
  CHECK(f.names(docs) == Names{"a.txt"});  // the client retries; 115 deduplicates the bytes
}

TEST_CASE("an uncertain rename is decided by asking 115 for the object") {
  WriteFixture f;
  auto docs = f.at({"docs"});
  bool applied = GENERATE(true, false);
  f.api.uncertain_next("rename", applied);
  auto file = f.at({"docs", "a.txt"});
  if (applied) {
    run(f.io, f.tree->move(docs, file, docs, "z.txt", std::nullopt, soon()));
    CHECK(f.names(docs) == Names{"z.txt"});
  } else {
    CHECK_THROWS_AS(run(f.io, f.tree->move(docs, file, docs, "z.txt", std::nullopt, soon())), vfs::BackendError);
    CHECK(f.names(docs) == Names{"a.txt"});
  }
  CHECK(f.api.info_calls() == 1);
}

// Tree's writes against an upstream that lists them at once: what the listings show right after each
// write (without asking 115 again), what 115 holds, and which calls were made in which order.
#include <catch2/catch.hpp>

#include "write_fixture.hpp"

using namespace vfs_test;

TEST_CASE("make_folder shows the folder in the cached parent listing at once; the new folder lists for free") {
  WriteFixture f;
  auto root = f.tree->root();
  REQUIRE(f.names(root) == Names{"docs", "other"});

  auto made = run(f.io, f.tree->make_folder(root, "new", soon()));
  CHECK(made.is_dir);
  CHECK(made.name == "new");
  CHECK(f.names(root) == Names{"docs", "new", "other"});
  CHECK(f.api.list_calls("0") == 1);  // patched in place, not refetched
  CHECK(f.at({"new"}).id == made.id);
  CHECK(f.list(made)->entries.empty());
  CHECK(f.api.list_calls(made.id) == 0);
  CHECK(f.upstream("0") == Names{"docs", "new", "other"});
}

TEST_CASE("make_folder of a name 115 says is taken is AlreadyExistsError and changes nothing") {
  WriteFixture f;
  auto root = f.tree->root();
  auto version = f.list(root)->version;
  CHECK_THROWS_AS(run(f.io, f.tree->make_folder(root, "docs", soon())), vfs::AlreadyExistsError);
  CHECK(f.list(root)->version == version);
  CHECK(f.upstream("0") == Names{"docs", "other"});
}

TEST_CASE("put_file of a new name lists the file at once with its size and digest") {
  WriteFixture f;
  auto docs = f.at({"docs"});
  REQUIRE(f.names(docs) == Names{"a.txt"});
  auto put = run(f.io, f.tree->put_file(docs, "n.bin", staged(42, "ABCDEF"), std::nullopt, soon()));
  CHECK(put.name == "n.bin");
  CHECK_FALSE(put.is_dir);
  auto listed = f.list(docs)->find("n.bin");
  REQUIRE(listed);
  CHECK(listed->id == put.id);
  CHECK(listed->size == 42);
  CHECK(listed->sha1 == "ABCDEF");
  CHECK(f.api.list_calls("10") == 1);
  CHECK(f.api.write_log() == Names{"upload n.bin"});
  CHECK(f.upstream("10") == Names{"a.txt", "n.bin"});
}

TEST_CASE("put_file replacing a file uploads first, then sends the old one to the recycle bin") {
  WriteFixture f;
  auto docs = f.at({"docs"});
  auto old = f.at({"docs", "a.txt"});
  auto put = run(f.io, f.tree->put_file(docs, "a.txt", staged(9, "NEW"), old, soon()));
  CHECK(put.id != old.id);
  CHECK(f.api.write_log() == Names{"upload a.txt", "remove 20"});
  auto listing = f.list(docs);
  REQUIRE(listing->entries.size() == 1);
  CHECK(listing->entries[0].id == put.id);
  CHECK(listing->entries[0].name == "a.txt");
  CHECK(f.api.child("10", "a.txt")->id == put.id);
  CHECK(f.upstream("10") == Names{"a.txt"});
}

TEST_CASE("a failed upload is a BackendError: nothing listed, the file it would replace untouched") {
  WriteFixture f;
  auto docs = f.at({"docs"});
  auto old = f.at({"docs", "a.txt"});
  f.api.fail_upload(cloud115::ApiError(cloud115::ErrorKind::Unavailable, 0, "OSS said no"));
  CHECK_THROWS_AS(run(f.io, f.tree->put_file(docs, "a.txt", staged(9, "NEW"), old, soon())), vfs::BackendError);
  CHECK_THROWS_AS(run(f.io, f.tree->put_file(docs, "n.bin", staged(9, "NEW"), std::nullopt, soon())),
                  vfs::BackendError);
  CHECK(f.api.write_calls("remove") == 0);
  auto listing = f.list(docs);
  REQUIRE(listing->entries.size() == 1);
  CHECK(listing->entries[0] == old);
  CHECK(f.upstream("10") == Names{"a.txt"});
}

TEST_CASE("remove takes a file out of the listing and out of 115") {
  WriteFixture f;
  auto docs = f.at({"docs"});
  run(f.io, f.tree->remove(docs, f.at({"docs", "a.txt"}), soon()));
  CHECK(f.names(docs).empty());
  CHECK_FALSE(run(f.io, f.tree->stat({"docs", "a.txt"}, soon())));
  CHECK(f.api.list_calls("10") == 1);
  CHECK(f.upstream("10").empty());
}

TEST_CASE("remove of a folder forgets its cached listing: listing it again is a 404") {
  WriteFixture f;
  auto root = f.tree->root();
  auto docs = f.at({"docs"});
  REQUIRE(f.names(docs) == Names{"a.txt"});  // cached
  run(f.io, f.tree->remove(root, docs, soon()));
  f.api.remove_folder("10");  // 115 cannot list a folder in the recycle bin
  CHECK(f.names(root) == Names{"other"});
  CHECK_THROWS_AS(f.list(docs), vfs::NotFoundError);
}

TEST_CASE("move within a folder is one rename call") {
  WriteFixture f;
  auto docs = f.at({"docs"});
  auto moved = run(f.io, f.tree->move(docs, f.at({"docs", "a.txt"}), docs, "renamed.txt", std::nullopt, soon()));
  CHECK(moved.id == "20");
  CHECK(moved.name == "renamed.txt");
  CHECK(f.names(docs) == Names{"renamed.txt"});
  CHECK(f.api.write_log() == Names{"rename 20"});
  CHECK(f.upstream("10") == Names{"renamed.txt"});
}

TEST_CASE("move across folders, with and without a new name") {
  WriteFixture f;
  auto docs = f.at({"docs"});
  auto other = f.at({"other"});
  REQUIRE(f.names(other) == Names{"b.txt"});
  bool rename = GENERATE(false, true);
  std::string name = rename ? "c.txt" : "a.txt";
  auto moved = run(f.io, f.tree->move(docs, f.at({"docs", "a.txt"}), other, name, std::nullopt, soon()));
  CHECK(moved.id == "20");
  CHECK(f.names(docs).empty());
  Names expected = rename ? Names{"b.txt", "c.txt"} : Names{"a.txt", "b.txt"};
  CHECK(f.names(other) == expected);
  CHECK(f.at({"other", name}).id == "20");
  CHECK(f.api.write_log() == (rename ? Names{"move 20", "rename 20"} : Names{"move 20"}));
  CHECK(f.upstream("10").empty());
  CHECK(f.upstream("11") == expected);
  CHECK(f.api.list_calls("10") == 1);
  CHECK(f.api.list_calls("11") == 1);
}

TEST_CASE("move replacing a file sends the replaced one to the recycle bin after the move") {
  WriteFixture f;
  auto docs = f.at({"docs"});
  auto other = f.at({"other"});
  auto victim = f.at({"other", "b.txt"});
  run(f.io, f.tree->move(docs, f.at({"docs", "a.txt"}), other, "b.txt", victim, soon()));
  CHECK(f.api.write_log() == Names{"move 20", "rename 20", "remove 21"});
  auto listing = f.list(other);
  REQUIRE(listing->entries.size() == 1);
  CHECK(listing->entries[0].id == "20");
  CHECK(listing->entries[0].name == "b.txt");
  CHECK(f.upstream("11") == Names{"b.txt"});
}

TEST_CASE("copy lists the copy in the target, renamed when the name differs; the original stays") {
  WriteFixture f;
  auto docs = f.at({"docs"});
  auto other = f.at({"other"});
  bool rename = GENERATE(false, true);
  std::string name = rename ? "copy.txt" : "a.txt";
  auto copied = run(f.io, f.tree->copy(f.at({"docs", "a.txt"}), other, name, std::nullopt, soon()));
  CHECK(copied.id != "20");
  CHECK(copied.name == name);
  CHECK(copied.size == 5);
  CHECK(f.names(docs) == Names{"a.txt"});
  Names expected = rename ? Names{"b.txt", "copy.txt"} : Names{"a.txt", "b.txt"};
  CHECK(f.names(other) == expected);
  CHECK(f.at({"other", name}).id == copied.id);
  CHECK(f.api.write_log() == (rename ? Names{"copy 20", "rename " + copied.id} : Names{"copy 20"}));
  CHECK(f.upstream("10") == Names{"a.txt"});
  CHECK(f.upstream("11") == expected);
}

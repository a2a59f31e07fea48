#include <catch2/catch.hpp>

#include "fake_api.hpp"

using namespace vfs_test;

namespace {
struct ResolveFixture {
  asio::io_context io;
  FakeApi api;
  config::Config cfg = small_config();
  ResolveFixture() {
    api.put_folder("0", {entry("10", "0", "a", true), entry("11", "0", "f.txt", false, 5)});
    api.put_folder("10", {entry("20", "10", "b", true)});
    api.put_folder("20", {entry("30", "20", "c.txt", false, 42), entry("31", "20", "movie.mkv", false, 1),
                          entry("32", "20", "movie.mkv", false, 2)});
  }
};
}  // namespace

TEST_CASE("stat resolves nested paths through one listing per folder") {
  ResolveFixture f;
  vfs::Tree tree(f.io.get_executor(), f.api, f.cfg);
  auto deadline = soon();
  auto n = run(f.io, tree.stat({"a", "b", "c.txt"}, deadline));
  REQUIRE(n);
  CHECK(n->id == "30");
  CHECK(n->size == 42);
  CHECK(n->pick_code == "pc30");
  CHECK_FALSE(n->is_dir);
  CHECK(f.api.last_list_options().priority == cloud115::Priority::Interactive);
  CHECK(f.api.last_list_options().deadline == deadline);

  auto dir = run(f.io, tree.stat({"a", "b"}, soon()));
  REQUIRE(dir);
  CHECK(dir->is_dir);
  CHECK(dir->id == "20");
  CHECK(f.api.list_calls("0") == 1);
  CHECK(f.api.list_calls("10") == 1);
  CHECK(f.api.list_calls("20") == 1);
  CHECK(tree.stats().misses == 3);
  CHECK(tree.stats().hits == 2);
}

TEST_CASE("stat of the empty path is the synthetic root and costs nothing") {
  ResolveFixture f;
  vfs::Tree tree(f.io.get_executor(), f.api, f.cfg);
  auto n = run(f.io, tree.stat({}, soon()));
  REQUIRE(n);
  CHECK(n->is_dir);
  CHECK(n->name.empty());
  CHECK(n->id == "0");
  CHECK(tree.root().id == "0");
  CHECK(f.api.list_calls("0") == 0);
}

TEST_CASE("stat returns nullopt for missing names and for paths through a file") {
  ResolveFixture f;
  vfs::Tree tree(f.io.get_executor(), f.api, f.cfg);
  CHECK_FALSE(run(f.io, tree.stat({"a", "nope"}, soon())));
  CHECK_FALSE(run(f.io, tree.stat({"f.txt", "x"}, soon())));
}

TEST_CASE("stat finds an NFC-stored name from an NFD request, and the reverse") {
  ResolveFixture f;
  std::string nfc = "Caf\xC3\xA9.txt";
  std::string nfd = "Cafe\xCC\x81.txt";
  f.api.put_folder("0", {entry("40", "0", nfc, false), entry("41", "0", "Re\xCC\x81sume\xCC\x81", true)});
  vfs::Tree tree(f.io.get_executor(), f.api, f.cfg);
  auto n = run(f.io, tree.stat({nfd}, soon()));
  REQUIRE(n);
  CHECK(n->id == "40");
  auto m = run(f.io, tree.stat({"R\xC3\xA9sum\xC3\xA9"}, soon()));
  REQUIRE(m);
  CHECK(m->id == "41");
}

TEST_CASE("duplicate names are reachable under their disambiguated paths") {
  ResolveFixture f;
  vfs::Tree tree(f.io.get_executor(), f.api, f.cfg);
  auto first = run(f.io, tree.stat({"a", "b", "movie.mkv"}, soon()));
  auto second = run(f.io, tree.stat({"a", "b", "movie (32).mkv"}, soon()));
  REQUIRE(first);
  REQUIRE(second);
  CHECK(first->id == "31");
  CHECK(second->id == "32");
  CHECK(second->name == "movie (32).mkv");
}

TEST_CASE("list returns the shared listing with unique names and an NFC index") {
  ResolveFixture f;
  vfs::Tree tree(f.io.get_executor(), f.api, f.cfg);
  auto dir = run(f.io, tree.stat({"a", "b"}, soon()));
  REQUIRE(dir);
  auto l1 = run(f.io, tree.list(*dir, soon()));
  auto l2 = run(f.io, tree.list(*dir, soon()));
  CHECK(l1.get() == l2.get());  // no copy per request
  REQUIRE(l1->entries.size() == 3);
  CHECK(l1->entries[2].name == "movie (32).mkv");
  REQUIRE(l1->find("c.txt"));
  CHECK(l1->find("c.txt")->id == "30");
  CHECK(f.api.list_calls("20") == 1);
}

TEST_CASE("a folder that vanished is 404 only once a fresh parent listing confirms it") {
  ResolveFixture f;
  vfs::Tree tree(f.io.get_executor(), f.api, f.cfg);
  REQUIRE(run(f.io, tree.stat({"a"}, soon())));  // root listing now cached, naming "a"
  f.api.remove_folder("10");
  f.api.put_folder("0", {entry("11", "0", "f.txt", false, 5)});
  CHECK_FALSE(run(f.io, tree.stat({"a", "b"}, soon())));
  CHECK(f.api.list_calls("0") == 2);  // the parent was re-listed to confirm
  CHECK(f.api.list_calls("10") == 1);
  CHECK_FALSE(run(f.io, tree.stat({"a"}, soon())));  // and the fresh parent listing is what is cached now
}

TEST_CASE("a folder replaced by a new one of the same name is followed to the new id") {
  ResolveFixture f;
  vfs::Tree tree(f.io.get_executor(), f.api, f.cfg);
  REQUIRE(run(f.io, tree.stat({"a"}, soon())));
  f.api.remove_folder("10");
  f.api.put_folder("0", {entry("12", "0", "a", true)});
  f.api.put_folder("12", {entry("50", "12", "b", true)});
  auto n = run(f.io, tree.stat({"a", "b"}, soon()));
  REQUIRE(n);
  CHECK(n->id == "50");
}

TEST_CASE("list of a vanished folder throws NotFoundError; a missing root is a BackendError") {
  ResolveFixture f;
  vfs::Tree tree(f.io.get_executor(), f.api, f.cfg);
  vfs::Node gone;
  gone.is_dir = true;
  gone.id = "999";
  CHECK_THROWS_AS(run(f.io, tree.list(gone, soon())), vfs::NotFoundError);
  f.api.remove_folder("0");
  CHECK_THROWS_AS(run(f.io, tree.stat({"a"}, soon())), vfs::BackendError);
  CHECK_THROWS_AS(run(f.io, tree.list(tree.root(), soon())), vfs::BackendError);
}

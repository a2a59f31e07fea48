#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <random>
#include <sys/stat.h>

#include "dav115/store/atomic_file.hpp"
#include "dav115/store/token_state.hpp"

namespace fs = std::filesystem;
using namespace dav115::store;

namespace {
struct TempDir {
  fs::path path;
  TempDir() {
    std::random_device rd;
    path = fs::temp_directory_path() / ("dav115-store-" + std::to_string(rd()) + std::to_string(rd()));
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
};

unsigned mode_of(const fs::path& p) {
  struct stat st{};
  REQUIRE(::stat(p.c_str(), &st) == 0);
  return st.st_mode & 0777;
}
}  // namespace

TEST_CASE("write_file_atomically replaces the whole file, leaves no temp files, and sets 0600") {
  TempDir d;
  auto f = d.path / "state.json";
  CHECK_FALSE(read_file(f).has_value());
  write_file_atomically(f, std::string(10000, 'a'));
  write_file_atomically(f, "short");
  CHECK(read_file(f).value() == "short");  // not "short" followed by the old tail
  CHECK(mode_of(f) == 0600);
  int files = 0;
  for (auto& e : fs::directory_iterator(d.path)) { ++files; (void)e; }
  CHECK(files == 1);
}

TEST_CASE("write_file_atomically sets 0600 even over a world-readable file") {
  TempDir d;
  auto f = d.path / "t";
  { std::ofstream(f) << "old"; }
  fs::permissions(f, fs::perms::all);
  write_file_atomically(f, "new");
  CHECK(mode_of(f) == 0600);
  CHECK(read_file(f).value() == "new");
}

TEST_CASE("write_file_atomically fails loudly in a missing directory and keeps nothing half-written") {
  TempDir d;
  CHECK_THROWS_AS(write_file_atomically(d.path / "nope" / "f", "x"), std::system_error);
}

TEST_CASE("token records round-trip through the state file with 0600") {
  TempDir d;
  TokenRecord r{"acc", "ref", 1700000000, sha256_hex("cfg-token"), 1699990000, 7};
  auto f = token_file(d.path);
  save_token_record(f, r);
  CHECK(mode_of(f) == 0600);
  auto back = load_token_record(f);
  REQUIRE(back);
  CHECK(back->access_token == "acc");
  CHECK(back->refresh_token == "ref");
  CHECK(back->access_expires_at == 1700000000);
  CHECK(back->origin_sha256 == r.origin_sha256);
  CHECK(back->updated_at == 1699990000);
  CHECK(back->generation == 7);
}

TEST_CASE("a corrupt token file is an error, not a silent fallback") {
  TempDir d;
  write_file_atomically(token_file(d.path), "{not json");
  CHECK_THROWS_AS(load_token_record(token_file(d.path)), std::runtime_error);
}

TEST_CASE("sha256_hex matches the known digest") {
  CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_CASE("choose_token_record: the persisted pair wins while it descends from the config token") {
  TokenRecord persisted{"acc2", "ref2", 123, sha256_hex("config-rt"), 100, 3};
  auto r = choose_token_record(persisted, "config-rt", "config-at");
  CHECK(r.refresh_token == "ref2");
  CHECK(r.access_token == "acc2");
  CHECK(r.generation == 3);
}

TEST_CASE("choose_token_record: a different config token (pasted by the user) wins") {
  TokenRecord persisted{"acc2", "ref2", 123, sha256_hex("old-config-rt"), 100, 3};
  auto r = choose_token_record(persisted, "new-config-rt", "");
  CHECK(r.refresh_token == "new-config-rt");
  CHECK(r.access_token.empty());
  CHECK(r.access_expires_at == 0);
  CHECK(r.origin_sha256 == sha256_hex("new-config-rt"));
  CHECK(r.generation > 3);
}

TEST_CASE("choose_token_record: no state file means the config pair") {
  auto r = choose_token_record(std::nullopt, "rt", "at");
  CHECK(r.refresh_token == "rt");
  CHECK(r.access_token == "at");
  CHECK(r.origin_sha256 == sha256_hex("rt"));
}

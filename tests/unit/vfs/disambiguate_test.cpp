#include <catch2/catch.hpp>

#include <algorithm>

#include "dav115/vfs/disambiguate.hpp"
#include "fake_api.hpp"

using dav115::vfs::unique_names;
using dav115::vfs::with_id_suffix;
using vfs_test::entry;

static std::vector<std::string> names_of(const std::vector<dav115::cloud115::Entry>& entries) {
  std::vector<std::string> out;
  for (auto& u : unique_names(entries)) out.push_back(u.name);
  return out;
}

TEST_CASE("unique names leave a folder without duplicates untouched") {
  auto names = names_of({entry("1", "0", "a.txt", false), entry("2", "0", "b", true)});
  CHECK(names == std::vector<std::string>{"a.txt", "b"});
}

TEST_CASE("two files with one name: the lower id keeps it, the other gets its id before the extension") {
  // "99" is numerically smaller than "100" although it sorts after it as text.
  auto names = names_of({entry("100", "0", "movie.mkv", false), entry("99", "0", "movie.mkv", false)});
  CHECK(names == std::vector<std::string>{"movie (100).mkv", "movie.mkv"});
}

TEST_CASE("a folder and a file with one name: the folder's suffix is appended") {
  auto names = names_of({entry("7", "0", "docs.v2", false), entry("5", "0", "docs.v2", true),
                         entry("9", "0", "docs.v2", true)});
  CHECK(names == std::vector<std::string>{"docs (7).v2", "docs.v2", "docs.v2 (9)"});
}

TEST_CASE("unique names do not depend on upstream order") {
  std::vector<dav115::cloud115::Entry> entries{entry("3342177983093201749", "0", "x.mkv", false),
                                                entry("3342177983093201748", "0", "x.mkv", false),
                                                entry("12", "0", "y", true), entry("11", "0", "y", false)};
  auto before = unique_names(entries);
  auto reversed = entries;
  std::reverse(reversed.begin(), reversed.end());
  auto after = unique_names(reversed);
  for (std::size_t i = 0; i < entries.size(); ++i) CHECK(before[i].name == after[entries.size() - 1 - i].name);
  CHECK(before[0].name == "x (3342177983093201749).mkv");
  CHECK(before[1].name == "x.mkv");
}

TEST_CASE("a generated name that collides with an upstream name gets the id again") {
  auto names = names_of({entry("1", "0", "x.ext", false), entry("2", "0", "x.ext", false),
                         entry("3", "0", "x (2).ext", false)});
  CHECK(names == std::vector<std::string>{"x.ext", "x (2) (2).ext", "x (2).ext"});
}

TEST_CASE("names equal after NFC normalisation are duplicates; keys are NFC") {
  std::string nfc = "Caf\xC3\xA9";   // U+00E9
  std::string nfd = "Cafe\xCC\x81";  // e + U+0301
  auto names = unique_names({entry("2", "0", nfd, true), entry("1", "0", nfc, true)});
  CHECK(names[1].name == nfc);
  CHECK(names[0].name == nfd + " (2)");
  CHECK(names[0].nfc_key == nfc + " (2)");
  CHECK(names[1].nfc_key == nfc);
}

TEST_CASE("id suffix placement") {
  CHECK(with_id_suffix("archive.tar.gz", "5", false) == "archive.tar (5).gz");
  CHECK(with_id_suffix(".hidden", "5", false) == ".hidden (5)");
  CHECK(with_id_suffix("README", "5", false) == "README (5)");
  CHECK(with_id_suffix("v1.2", "5", true) == "v1.2 (5)");
}

// Disk, memory and time of the metadata index for a library of `folders` x `entries` realistic entries
// (ids, names, sizes, SHA-1s and pick codes shaped like 115's). Prints one JSON object; bench/harness.py
// (`--only index`, part of every full bench/run.sh) runs it and renders the "Metadata index" section of
// docs/PERFORMANCE.md. By hand: build/bench_index_size [--folders 100] [--entries 1000] [--dir DIR]
// (DIR is emptied first).
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "dav115/store/metadata_index.hpp"
#include "dav115/store/property_store.hpp"

namespace fs = std::filesystem;
using dav115::store::IndexEntry;
using dav115::store::IndexFolder;
using dav115::store::MetadataIndex;
using Clock = std::chrono::steady_clock;

namespace {

// VmRSS or VmHWM of this process, KiB.
long status_kib(const char* field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  const std::string key = std::string(field) + ":";
  while (std::getline(in, line))
    if (line.rfind(key, 0) == 0) return std::stol(line.substr(key.size()));
  return -1;
}

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

std::uintmax_t size_of(const fs::path& p) {
  std::error_code ec;
  auto n = fs::file_size(p, ec);
  return ec ? 0 : n;
}

// Resets VmHWM to the current RSS (Linux: clear_refs 5), so each phase reports its own peak.
void reset_peak() { std::ofstream("/proc/self/clear_refs") << "5"; }

// The same folder every time for the same number: made on the fly, so this program's own memory
// holds one listing, not the library.
IndexFolder make_folder(int folder, int entries) {
  std::mt19937_64 rng(static_cast<std::uint64_t>(folder) + 115);
  static const char* kShows[] = {"The Expanse", "Planet Earth II", "Der Tatortreiniger", "攻殻機動隊 S.A.C.", "Twin Peaks"};
  const char* hex = "0123456789ABCDEF";
  const char* alnum = "abcdefghijklmnopqrstuvwxyz0123456789";
  IndexFolder f;
  f.fetched_at_ms = 1'764'000'000'000 + folder;
  for (int i = 0; i < entries; ++i) {
    IndexEntry e;
    e.id = std::to_string(3'100'000'000'000'000'000ull + static_cast<std::uint64_t>(folder) * 100'000 + i);
    e.is_dir = i % 20 == 0;
    char name[160];
    std::snprintf(name, sizeof name, "%s - S%02dE%03d - Episode title number %d [1080p WEB-DL].%s",
                  kShows[(folder + i) % 5], folder % 30 + 1, i % 1000, i, e.is_dir ? "extras" : "mkv");
    e.name = name;
    e.size = e.is_dir ? 0 : 200'000'000 + rng() % 4'000'000'000ull;
    e.mtime = 1'600'000'000 + static_cast<std::int64_t>(rng() % 100'000'000);
    e.ctime = e.mtime - 86400;
    if (!e.is_dir)
      for (int k = 0; k < 40; ++k) e.sha1 += hex[rng() % 16];
    for (int k = 0; k < 17; ++k) e.pick_code += alnum[rng() % 36];
    f.entries.push_back(std::move(e));
  }
  return f;
}

}  // namespace

int main(int argc, char** argv) {
  int folders = 100, entries = 1000;
  fs::path dir = fs::temp_directory_path() / "dav115-bench-index";
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--folders") folders = std::stoi(argv[i + 1]);
    else if (a == "--entries") entries = std::stoi(argv[i + 1]);
    else if (a == "--dir") dir = argv[i + 1];
  }
  fs::remove_all(dir);
  fs::create_directories(dir);
  const fs::path db = dav115::store::PropertyStore::database_file(dir);
  const fs::path wal = db.string() + "-wal";
  const long rss_start = status_kib("VmRSS");
  reset_peak();

  std::vector<double> write_ms;
  double rewrite_same_ms = 0, rewrite_one_ms = 0;
  std::int64_t rows_same = 0, rows_one = 0;
  long rss_after_write = 0, peak_write = 0, peak_read = 0;
  std::uintmax_t wal_before_checkpoint = 0;
  {
    MetadataIndex index(dir);
    for (int f = 0; f < folders; ++f) {
      auto t = Clock::now();
      auto folder = make_folder(f, entries);
      index.put_folder(std::to_string(f), folder);
      write_ms.push_back(ms_since(t));
    }
    // A revalidation that found nothing new, then one that found one changed entry.
    auto first = make_folder(0, entries);
    first.fetched_at_ms += 60'000;
    auto r0 = index.rows_changed();
    auto t = Clock::now();
    index.put_folder("0", first);
    rewrite_same_ms = ms_since(t);
    rows_same = index.rows_changed() - r0;
    first.entries[entries / 2].size += 1;
    first.entries[entries / 2].mtime += 1;
    r0 = index.rows_changed();
    t = Clock::now();
    index.put_folder("0", first);
    rewrite_one_ms = ms_since(t);
    rows_one = index.rows_changed() - r0;
    rss_after_write = status_kib("VmRSS");
    peak_write = status_kib("VmHWM");
    wal_before_checkpoint = size_of(wal);
  }
  // What stays on disk once SQLite has folded the WAL back (as at every clean close; here explicitly).
  {
    sqlite3* h = nullptr;
    sqlite3_open(db.c_str(), &h);
    sqlite3_exec(h, "PRAGMA wal_checkpoint(TRUNCATE)", nullptr, nullptr, nullptr);
    sqlite3_close(h);
  }
  const auto db_bytes = size_of(db), wal_bytes = size_of(wal);

  // Read back as after a restart: a new index on the file, one folder at a time.
  reset_peak();
  std::vector<double> read_ms;
  long rss_after_read = 0;
  std::size_t read_entries = 0;
  double open_ms = 0;
  {
    auto t_open = Clock::now();
    MetadataIndex index(dir);
    open_ms = ms_since(t_open);
    for (int f = 0; f < folders; ++f) {
      auto t = Clock::now();
      auto got = index.get_folder(std::to_string(f));
      read_ms.push_back(ms_since(t));
      read_entries += got ? got->entries.size() : 0;
    }
    rss_after_read = status_kib("VmRSS");
    peak_read = status_kib("VmHWM");
  }
  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  auto max = [](const std::vector<double>& v) { return *std::max_element(v.begin(), v.end()); };
  // One JSON object on stdout: bench/harness.py (section "index") runs this several times and renders the table.
  std::printf(
      "{\"folders\":%d,\"entries\":%d,\"read_back\":%zu,\"db_bytes\":%ju,\"wal_before_checkpoint_bytes\":%ju,"
      "\"wal_after_checkpoint_bytes\":%ju,\"write_ms_median\":%.3f,\"write_ms_max\":%.3f,\"rewrite_same_ms\":%.3f,"
      "\"rewrite_same_rows\":%lld,\"rewrite_one_ms\":%.3f,\"rewrite_one_rows\":%lld,\"read_ms_median\":%.3f,"
      "\"read_ms_max\":%.3f,\"open_ms\":%.3f,\"rss_start_kib\":%ld,\"rss_after_write_kib\":%ld,"
      "\"rss_after_read_kib\":%ld,\"peak_write_kib\":%ld,\"peak_read_kib\":%ld}\n",
      folders, entries, read_entries, db_bytes, wal_before_checkpoint, wal_bytes, median(write_ms), max(write_ms),
      rewrite_same_ms, static_cast<long long>(rows_same), rewrite_one_ms, static_cast<long long>(rows_one),
      median(read_ms), max(read_ms), open_ms, rss_start, rss_after_write, rss_after_read, peak_write, peak_read);
  fs::remove_all(dir);
  return 0;
}

#pragma once
// File bytes: generated deterministically from the file id (position-addressable, so any range can be
// served without storing anything) or read from a real local file; plus their SHA-1, cached on disk.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace dav115::fake115 {

// Bump when generate_bytes() changes: it is part of the SHA-1 cache key.
constexpr int kGeneratorVersion = 1;

// The bytes [offset, offset + n) of the generated file `file_id`.
void generate_bytes(const std::string& file_id, std::uint64_t offset, char* out, std::size_t n);

// SplitMix64: a cheap, well-mixed function of a counter (content blocks, generated pick codes).
std::uint64_t splitmix64(std::uint64_t x);

// Where a file's bytes come from.
struct ContentSource {
  std::string file_id;
  std::uint64_t size = 0;
  std::string local_path;  // empty = generated
};

// Reads a range of a file's bytes; throws std::runtime_error if a local file cannot be read.
class ContentReader {
 public:
  explicit ContentReader(ContentSource src);
  ~ContentReader();
  ContentReader(const ContentReader&) = delete;
  ContentReader& operator=(const ContentReader&) = delete;
  // Up to n bytes at offset (fewer only at the end of the file).
  std::size_t read(std::uint64_t offset, char* out, std::size_t n);

 private:
  ContentSource src_;
  int fd_ = -1;
};

// Upper-case hex SHA-1 of the whole content, computed by streaming it.
std::string compute_sha1(const ContentSource& src, const std::atomic<bool>* cancel = nullptr);

// SHA-1s computed once and remembered in `cache_file` (one "key sha1" line each), so the 1 GiB file
// costs its ~2 s only once per state dir. A background thread computes everything it is given;
// get() blocks only when the one it needs is not done yet.
class Sha1Store {
 public:
  explicit Sha1Store(std::string cache_file);
  ~Sha1Store();
  std::string get(const ContentSource& src);
  void compute_in_background(std::vector<ContentSource> sources);

 private:
  static std::string key_of(const ContentSource& src);
  std::string cache_file_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, std::string> known_;
  std::set<std::string> in_flight_;
  std::atomic<bool> stop_{false};
  std::thread worker_;
};

}  // namespace dav115::fake115

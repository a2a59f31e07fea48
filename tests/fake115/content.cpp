#include "content.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/evp.h>

#include <cstring>
#include <fstream>
#include <memory>
#include <stdexcept>

namespace dav115::fake115 {
namespace {

std::uint64_t fnv1a(const std::string& s) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}


std::string to_upper_hex(const unsigned char* p, unsigned n) {
  static const char* digits = "0123456789ABCDEF";
  std::string s;
  for (unsigned i = 0; i < n; ++i) {
    s += digits[p[i] >> 4];
    s += digits[p[i] & 15];
  }
  return s;
}

}  // namespace

std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

void generate_bytes(const std::string& file_id, std::uint64_t offset, char* out, std::size_t n) {
  const std::uint64_t seed = fnv1a(file_id);
  std::size_t done = 0;
  while (done < n) {
    std::uint64_t pos = offset + done;
    std::uint64_t block = pos / 8;
    unsigned skip = static_cast<unsigned>(pos % 8);
    std::uint64_t word = splitmix64(seed ^ (block * 0xD1B54A32D192ED03ull));
    unsigned char bytes[8];
    for (int i = 0; i < 8; ++i) bytes[i] = static_cast<unsigned char>(word >> (8 * i));
    std::size_t take = std::min<std::size_t>(8 - skip, n - done);
    std::memcpy(out + done, bytes + skip, take);
    done += take;
  }
}

ContentReader::ContentReader(ContentSource src) : src_(std::move(src)) {
  if (!src_.local_path.empty()) {
    fd_ = ::open(src_.local_path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) throw std::runtime_error("cannot open local file " + src_.local_path);
  }
}

ContentReader::~ContentReader() {
  if (fd_ >= 0) ::close(fd_);
}

std::size_t ContentReader::read(std::uint64_t offset, char* out, std::size_t n) {
  if (offset >= src_.size) return 0;
  n = static_cast<std::size_t>(std::min<std::uint64_t>(n, src_.size - offset));
  if (fd_ < 0) {
    generate_bytes(src_.file_id, offset, out, n);
    return n;
  }
  std::size_t got = 0;
  while (got < n) {
    ssize_t r = ::pread(fd_, out + got, n - got, static_cast<off_t>(offset + got));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) throw std::runtime_error("short read from " + src_.local_path);
    got += static_cast<std::size_t>(r);
  }
  return got;
}

std::string compute_sha1(const ContentSource& src, const std::atomic<bool>* cancel) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  EVP_DigestInit_ex(ctx.get(), EVP_sha1(), nullptr);
  ContentReader reader(src);
  std::vector<char> buf(1 << 20);
  for (std::uint64_t off = 0; off < src.size;) {
    if (cancel && cancel->load()) throw std::runtime_error("cancelled");
    std::size_t n = reader.read(off, buf.data(), buf.size());
    EVP_DigestUpdate(ctx.get(), buf.data(), n);
    off += n;
  }
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  EVP_DigestFinal_ex(ctx.get(), md, &len);
  return to_upper_hex(md, len);
}

Sha1Store::Sha1Store(std::string cache_file) : cache_file_(std::move(cache_file)) {
  std::ifstream in(cache_file_);
  std::string key, sha1;
  while (in >> key >> sha1) known_[key] = sha1;
}

Sha1Store::~Sha1Store() {
  stop_ = true;
  if (worker_.joinable()) worker_.join();
}

std::string Sha1Store::key_of(const ContentSource& src) {
  if (src.local_path.empty())
    return "gen" + std::to_string(kGeneratorVersion) + ":" + src.file_id + ":" + std::to_string(src.size);
  struct stat st {};
  ::stat(src.local_path.c_str(), &st);
  // Local files are keyed by path, size and mtime, so an edited file is hashed again.
  std::string path = src.local_path;
  for (char& c : path)
    if (c == ' ') c = '_';
  return "local:" + path + ":" + std::to_string(src.size) + ":" + std::to_string(st.st_mtime);
}

std::string Sha1Store::get(const ContentSource& src) {
  const std::string key = key_of(src);
  std::unique_lock lk(mu_);
  for (;;) {
    if (auto it = known_.find(key); it != known_.end()) return it->second;
    if (!in_flight_.count(key)) break;
    cv_.wait(lk);
  }
  in_flight_.insert(key);
  lk.unlock();
  std::string sha1;
  try {
    sha1 = compute_sha1(src, &stop_);
  } catch (...) {
    lk.lock();
    in_flight_.erase(key);
    cv_.notify_all();
    throw;
  }
  lk.lock();
  in_flight_.erase(key);
  known_[key] = sha1;
  if (!cache_file_.empty()) std::ofstream(cache_file_, std::ios::app) << key << ' ' << sha1 << '\n';
  cv_.notify_all();
  return sha1;
}

void Sha1Store::compute_in_background(std::vector<ContentSource> sources) {
  worker_ = std::thread([this, sources = std::move(sources)] {
    for (const auto& s : sources) {
      if (stop_) return;
      try {
        get(s);
      } catch (...) {
        // A missing local file is reported when a request needs it.
      }
    }
  });
}

}  // namespace dav115::fake115

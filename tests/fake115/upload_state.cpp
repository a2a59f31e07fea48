#include "upload_state.hpp"

#include <openssl/rand.h>

#include <cctype>
#include <chrono>
#include <filesystem>

namespace dav115::fake115 {

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string to_upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

std::string random_hex(std::size_t n, bool upper) {
  const char* digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  std::string raw((n + 1) / 2, '\0');
  RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(raw.size()));
  std::string s;
  for (unsigned char b : raw) {
    s += digits[b >> 4];
    s += digits[b & 15];
  }
  s.resize(n);
  return s;
}

UploadState::UploadState(std::string d) : dir(std::move(d)) {
  // Only our two subdirectories are emptied (--upload-dir may name a directory that holds other things):
  // objects of an earlier run belong to no file any more.
  for (const char* sub : {"/objects", "/parts"}) {
    std::filesystem::remove_all(dir + sub);
    std::filesystem::create_directories(dir + sub);
  }
}

UploadState::~UploadState() {
  std::error_code ec;
  for (const char* sub : {"/objects", "/parts"}) std::filesystem::remove_all(dir + sub, ec);
  std::filesystem::remove(dir, ec);  // only when nothing else is in it
}

std::string UploadState::new_object_path() { return dir + "/objects/" + std::to_string(next_object_++); }

std::string UploadState::new_part_dir(const std::string& upload_id) {
  const std::string d = dir + "/parts/" + upload_id;
  std::filesystem::create_directories(d);
  return d;
}

}  // namespace dav115::fake115

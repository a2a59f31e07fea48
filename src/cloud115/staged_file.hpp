#pragma once
// Blocking reads of a staged upload file: the sign-check hash and one OSS part with its MD5.
// Only ever called on the blocking pool (Impl::blocking_ex), never on an I/O thread.
#include <cstdint>
#include <string>

namespace dav115::cloud115::staged_file {

// Upper-case hex SHA-1 of bytes first..last (inclusive). Throws std::runtime_error on a short file.
std::string sha1_of_range(const std::string& path, std::uint64_t first, std::uint64_t last);

struct Chunk {
  std::string data;
  std::string md5_base64;  // for Content-MD5
};
// `len` bytes from `offset`. Throws std::runtime_error when the file is shorter.
Chunk read_chunk(const std::string& path, std::uint64_t offset, std::uint64_t len);

}  // namespace dav115::cloud115::staged_file

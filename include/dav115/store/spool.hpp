#pragma once
// Where PUT bodies wait on local disk until the storage has them. A body is written and hashed as it
// arrives (SHA-1 of the whole file, SHA-1 of its first 128 KiB: what 115's upload/init asks for), on a
// worker pool: disk writes and hashing never run on an I/O thread. The staged file is removed when the
// last reference to it goes, whatever happened to the upload.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>

namespace dav115::store {

// A complete body on disk. The file is deleted by the destructor.
struct StagedFile {
  std::filesystem::path path;
  std::uint64_t size = 0;
  std::string sha1;      // upper-case hex, whole file
  std::string pre_sha1;  // upper-case hex, first 128 KiB (the whole file if smaller)

  StagedFile() = default;
  StagedFile(const StagedFile&) = delete;
  StagedFile& operator=(const StagedFile&) = delete;
  ~StagedFile();
};

// The spool's file system cannot take the body (and keep its reserve free): the client gets 507.
struct SpoolFull : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class SpoolWriter;

class Spool {
 public:
  // `blocking` is the executor of a worker pool; `reserve_bytes` stay free on the spool's file system.
  Spool(std::filesystem::path dir, std::uint64_t reserve_bytes, boost::asio::any_io_executor blocking);

  // Creates the directory and removes files left by a previous run (a crash mid-upload). Call once
  // at start-up, before any upload. Throws std::filesystem::filesystem_error.
  void prepare() const;

  // Whether `bytes` more fit on the spool's file system with the reserve kept free.
  bool has_room(std::uint64_t bytes) const;

  // A new, empty staged file. Throws SpoolFull or std::system_error.
  std::unique_ptr<SpoolWriter> create() const;

  const std::filesystem::path& dir() const { return dir_; }

 private:
  std::filesystem::path dir_;
  std::uint64_t reserve_;
  boost::asio::any_io_executor blocking_;
};

class SpoolWriter {
 public:
  ~SpoolWriter();  // an unfinished file is removed
  SpoolWriter(const SpoolWriter&) = delete;
  SpoolWriter& operator=(const SpoolWriter&) = delete;

  // Appends and hashes `n` bytes on the worker pool; resumes on the caller's executor. The buffer must
  // stay untouched until this completes. Throws SpoolFull when the disk fills, std::system_error.
  boost::asio::awaitable<void> append(const char* data, std::size_t n);

  // Closes the file and hands it over with its digests.
  boost::asio::awaitable<std::shared_ptr<StagedFile>> finish();

  std::uint64_t size() const;

  struct State;

 private:
  friend class Spool;
  explicit SpoolWriter(std::shared_ptr<State> state);
  std::shared_ptr<State> state_;
};

}  // namespace dav115::store

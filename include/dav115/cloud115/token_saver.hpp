#pragma once
// Writes the token state durably (write, fsync, rename, fsync the directory) off the I/O threads: the
// fsync can take a long while on a busy disk, and nothing else (calls, /healthz) may wait behind it.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <filesystem>
#include <functional>
#include <memory>

namespace boost::asio {
class thread_pool;
}

#include "dav115/store/token_state.hpp"

namespace dav115::cloud115 {

// Where blocking work runs, and (for tests) what "save" means.
struct BlockingWork {
  // An executor of a small worker pool (asio::thread_pool); empty = a private one-thread pool.
  boost::asio::any_io_executor executor;
  // Saves a record durably; empty = store::save_token_record. Tests substitute one that blocks or fails.
  std::function<void(const std::filesystem::path&, const store::TokenRecord&)> save_tokens;
};

class TokenSaver {
 public:
  TokenSaver(BlockingWork work, std::filesystem::path file);
  ~TokenSaver();  // waits for a save in progress (a private pool only)
  TokenSaver(const TokenSaver&) = delete;
  TokenSaver& operator=(const TokenSaver&) = delete;

  // Saves `rec` on the worker pool and resumes on the caller's executor; throws what the save threw.
  // Saves run one at a time in the order they were started, and a record with a lower generation than
  // one already on disk is skipped: a late retry of an old pair must never overwrite a newer one.
  boost::asio::awaitable<void> save(store::TokenRecord rec);

  const std::filesystem::path& file() const;
  // The worker pool's executor, for other blocking work (the uploader's file reads and hashing).
  boost::asio::any_io_executor executor() const;

 private:
  struct State;
  std::unique_ptr<boost::asio::thread_pool> own_pool_;  // only when no executor was handed in
  std::shared_ptr<State> state_;
};

}  // namespace dav115::cloud115

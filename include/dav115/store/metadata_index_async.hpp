#pragma once
// MetadataIndex for coroutines on the I/O threads. Writes are fire-and-forget, queued in order on one
// writer thread (a failure is logged: the index is a cache, never a reason to fail a request); reads
// run on a blocking pool and the coroutine resumes on its own executor with the result.
#include <spdlog/spdlog.h>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <exception>
#include <optional>
#include <utility>

#include "dav115/store/metadata_index.hpp"

namespace dav115::store {

class MetadataIndexAsync {
 public:
  // `index` and the pools behind the executors must outlive every call. `writer` must be a one-thread
  // pool: it keeps the writes in the order they were queued.
  MetadataIndexAsync(MetadataIndex& index, boost::asio::any_io_executor writer, boost::asio::any_io_executor readers)
      : index_(index), writer_(std::move(writer)), readers_(std::move(readers)) {}

  MetadataIndex& sync() { return index_; }

  void put_folder(std::string folder_id, IndexFolder folder) {
    write("put_folder", [this, id = std::move(folder_id), f = std::move(folder)] { index_.put_folder(id, f); });
  }
  void forget_folder(std::string folder_id) {
    write("forget_folder", [this, id = std::move(folder_id)] { index_.forget_folder(id); });
  }
  void touch_folder(std::string folder_id, std::int64_t now_ms) {
    write("touch_folder", [this, id = std::move(folder_id), now_ms] { index_.touch_folder(id, now_ms); });
  }
  void put_link(std::string file_id, std::string user_agent, IndexLink link) {
    write("put_link", [this, id = std::move(file_id), ua = std::move(user_agent), l = std::move(link)] {
      index_.put_link(id, ua, l);
    });
  }
  void forget_link(std::string file_id, std::string user_agent) {
    write("forget_link", [this, id = std::move(file_id), ua = std::move(user_agent)] { index_.forget_link(id, ua); });
  }

  // Reads: nullopt when absent, and also when the read failed (logged): a miss costs one 115 call.
  boost::asio::awaitable<std::optional<IndexFolder>> get_folder(std::string folder_id) {
    return read([this, id = std::move(folder_id)] { return index_.get_folder(id); });
  }
  boost::asio::awaitable<std::optional<IndexLink>> get_link(std::string file_id, std::string user_agent) {
    return read([this, id = std::move(file_id), ua = std::move(user_agent)] { return index_.get_link(id, ua); });
  }

 private:
  template <class Fn>
  void write(const char* what, Fn fn) {
    boost::asio::post(writer_, [what, fn = std::move(fn)]() mutable {
      try {
        fn();
      } catch (const std::exception& e) {
        spdlog::warn("metadata index: {} failed: {}", what, e.what());
      }
    });
  }

  template <class Fn>
  boost::asio::awaitable<std::invoke_result_t<Fn&>> read(Fn fn) {
    namespace asio = boost::asio;
    const auto caller = co_await asio::this_coro::executor;
    // bind_executor matters: without it the coroutine would resume on `caller` and read on the I/O thread.
    co_await asio::post(readers_, asio::bind_executor(readers_, asio::use_awaitable));
    std::invoke_result_t<Fn&> result;
    try {
      result = fn();
    } catch (const std::exception& e) {
      spdlog::warn("metadata index: read failed: {}", e.what());
    }
    co_await asio::post(caller, asio::bind_executor(caller, asio::use_awaitable));
    co_return result;
  }

  MetadataIndex& index_;
  boost::asio::any_io_executor writer_;
  boost::asio::any_io_executor readers_;
};

}  // namespace dav115::store

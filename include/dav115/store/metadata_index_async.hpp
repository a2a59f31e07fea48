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
#include <atomic>
#include <exception>
#include <mutex>
#include <optional>
#include <utility>

#include "dav115/store/metadata_index.hpp"
#include "dav115/util/metrics.hpp"

namespace dav115::store {

class MetadataIndexAsync {
 public:
  // `index` and the pools behind the executors must outlive every call. `writer` must be a one-thread
  // pool: it keeps the writes in the order they were queued.
  MetadataIndexAsync(MetadataIndex& index, boost::asio::any_io_executor writer, boost::asio::any_io_executor readers)
      : index_(index), writer_(std::move(writer)), readers_(std::move(readers)) {
    auto& m = util::Metrics::global();
    m.describe("dav115_index_queued_writes", "gauge", "Metadata index writes queued and not yet committed.");
    m.describe("dav115_index_write_failures_total", "counter", "Metadata index writes that failed (logged).");
  }

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
    ++queued_;
    publish_queued();
    boost::asio::post(writer_, [this, what, fn = std::move(fn)]() mutable {
      try {
        fn();
      } catch (const std::exception& e) {
        util::Metrics::global().add("dav115_index_write_failures_total", {});
        spdlog::warn("metadata index: {} failed: {}", what, e.what());
      }
      --queued_;
      publish_queued();
    });
  }
  // Tells when everything queued has reached the file (tests wait for 0 before a kill -9).
  // Under a lock and reading the counter then, so two threads cannot publish their values out of order.
  void publish_queued() {
    std::lock_guard lk(publish_mu_);
    util::Metrics::global().set("dav115_index_queued_writes", {}, static_cast<double>(queued_.load()));
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
  std::atomic<std::int64_t> queued_{0};
  std::mutex publish_mu_;
};

}  // namespace dav115::store

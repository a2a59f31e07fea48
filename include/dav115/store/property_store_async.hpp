#pragma once
// PropertyStore for coroutines on the I/O threads: each call runs on a blocking pool (SQLite may wait
// for the disk or for a checkpoint) and the coroutine resumes on its own executor afterwards, with the
// result or the exception.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <exception>
#include <optional>
#include <type_traits>
#include <utility>

#include "dav115/store/property_store.hpp"

namespace dav115::store {

class PropertyStoreAsync {
 public:
  // `store` and the pool behind `blocking` (a one-thread asio::thread_pool keeps calls in order)
  // must outlive every call.
  PropertyStoreAsync(PropertyStore& store, boost::asio::any_io_executor blocking)
      : store_(store), blocking_(std::move(blocking)) {}

  PropertyStore& sync() { return store_; }

  boost::asio::awaitable<std::vector<DeadProperty>> get_properties(std::string file_id) {
    return run([this, id = std::move(file_id)] { return store_.get_properties(id); });
  }
  boost::asio::awaitable<std::unordered_map<std::string, std::vector<DeadProperty>>> get_properties(
      std::vector<std::string> file_ids) {
    return run([this, ids = std::move(file_ids)] { return store_.get_properties(ids); });
  }
  boost::asio::awaitable<void> apply_patch(std::string file_id, std::vector<PropertyOp> ops, ClientTimes times = {}) {
    return run([this, id = std::move(file_id), ops = std::move(ops), times] { store_.apply_patch(id, ops, times); });
  }
  boost::asio::awaitable<void> set_mtime(std::string file_id, std::int64_t mtime) {
    return run([this, id = std::move(file_id), mtime] { store_.set_mtime(id, mtime); });
  }
  boost::asio::awaitable<std::unordered_map<std::string, std::int64_t>> get_mtimes(std::vector<std::string> file_ids) {
    return run([this, ids = std::move(file_ids)] { return store_.get_mtimes(ids); });
  }
  boost::asio::awaitable<std::unordered_map<std::string, ClientTimes>> get_times(std::vector<std::string> file_ids) {
    return run([this, ids = std::move(file_ids)] { return store_.get_times(ids); });
  }
  boost::asio::awaitable<void> copy_all(std::string from_id, std::string to_id) {
    return run([this, from = std::move(from_id), to = std::move(to_id)] { store_.copy_all(from, to); });
  }
  boost::asio::awaitable<void> forget(std::string file_id) {
    return run([this, id = std::move(file_id)] { store_.forget(id); });
  }
  boost::asio::awaitable<void> forget_all(std::vector<std::string> file_ids) {
    return run([this, ids = std::move(file_ids)] { store_.forget_all(ids); });
  }

  // Runs `fn` on the blocking pool and comes back to the caller's executor. Public so a handler can
  // batch several store calls into one hop.
  template <class Fn>
  boost::asio::awaitable<std::invoke_result_t<Fn&>> run(Fn fn) {
    namespace asio = boost::asio;
    using T = std::invoke_result_t<Fn&>;
    const auto caller = co_await asio::this_coro::executor;
    // bind_executor matters: a plain post(blocking_, use_awaitable) would run an empty handler on the
    // pool and then resume this coroutine on its own executor, doing the work on the I/O thread.
    co_await asio::post(blocking_, asio::bind_executor(blocking_, asio::use_awaitable));
    std::exception_ptr failure;
    std::optional<std::conditional_t<std::is_void_v<T>, bool, T>> result;
    try {
      if constexpr (std::is_void_v<T>) {
        fn();
        result.emplace(true);
      } else {
        result.emplace(fn());
      }
    } catch (...) {
      failure = std::current_exception();
    }
    co_await asio::post(caller, asio::bind_executor(caller, asio::use_awaitable));
    if (failure) std::rethrow_exception(failure);
    if constexpr (!std::is_void_v<T>) co_return std::move(*result);
  }

 private:
  PropertyStore& store_;
  boost::asio::any_io_executor blocking_;
};

}  // namespace dav115::store

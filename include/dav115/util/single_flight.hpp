#pragma once
// One in-flight computation per key: the first caller runs it, concurrent callers for the same key
// await that run and share its result (or its exception). Used for folder listings, token refresh
// and download links, so a burst of clients costs one upstream call.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/redirect_error.hpp>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>

namespace dav115::util {

// A one-shot broadcast signal that coroutines on any executor can await.
class AsyncLatch {
 public:
  boost::asio::awaitable<void> wait() {
    auto ex = co_await boost::asio::this_coro::executor;
    std::shared_ptr<boost::asio::steady_timer> timer;
    {
      std::lock_guard lk(mu_);
      if (done_) co_return;
      timer = std::make_shared<boost::asio::steady_timer>(ex, boost::asio::steady_timer::time_point::max());
      waiters_.push_back(timer);
    }
    boost::system::error_code ec;
    co_await timer->async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
  }
  void set() {
    std::vector<std::shared_ptr<boost::asio::steady_timer>> w;
    {
      std::lock_guard lk(mu_);
      done_ = true;
      w.swap(waiters_);
    }
    // cancel() is not thread-safe against the timer's own executor: post it there.
    for (auto& t : w) boost::asio::post(t->get_executor(), [t] { t->cancel(); });
  }
  bool is_set() const {
    std::lock_guard lk(mu_);
    return done_;
  }

 private:
  mutable std::mutex mu_;
  bool done_ = false;
  std::vector<std::shared_ptr<boost::asio::steady_timer>> waiters_;
};

template <class Key, class Value>
class SingleFlight {
 public:
  // Runs fn() unless a run for `key` is already in flight, in which case it waits for that one.
  // Returns the shared result; rethrows the shared exception.
  // `fn` is taken by reference: g++ 12 destroys a by-value coroutine parameter that was initialised from
  // a temporary twice (GCC PR 99576), and callers naturally pass a lambda temporary here. The caller's
  // temporary lives until its co_await completes, which is as long as fn is used.
  template <class Fn>
  boost::asio::awaitable<Value> run(const Key& key, const Fn& fn) {
    std::shared_ptr<Call> call;
    bool leader = false;
    {
      std::lock_guard lk(mu_);
      auto it = calls_.find(key);
      if (it == calls_.end()) {
        call = std::make_shared<Call>();
        calls_.emplace(key, call);
        leader = true;
      } else {
        call = it->second;
      }
    }
    if (leader) {
      try {
        call->value = co_await fn();
      } catch (...) {
        call->error = std::current_exception();
      }
      {
        std::lock_guard lk(mu_);
        calls_.erase(key);
      }
      call->latch.set();
    } else {
      co_await call->latch.wait();
    }
    if (call->error) std::rethrow_exception(call->error);
    co_return *call->value;
  }

  std::size_t in_flight() const {
    std::lock_guard lk(mu_);
    return calls_.size();
  }

 private:
  struct Call {
    AsyncLatch latch;
    std::optional<Value> value;
    std::exception_ptr error;
  };
  mutable std::mutex mu_;
  std::map<Key, std::shared_ptr<Call>> calls_;
};

}  // namespace dav115::util

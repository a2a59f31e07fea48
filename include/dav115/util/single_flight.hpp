#pragma once
// One in-flight computation per key: the first caller (the leader) runs it, concurrent callers for the
// same key (followers) await that run and share its result or its exception. Used for folder listings,
// token refresh and download links, so a burst of clients costs one upstream call.
//
// What a follower can expect:
// - It waits at most until its own deadline, then gets FlightError(Timeout); the flight goes on for the
//   others. It never waits for the leader's deadline when its own is earlier.
// - The flight keeps the leader's options (priority, deadline: whatever its fn captured); a follower does
//   not raise them. Callers that must not queue behind another class of work (interactive behind
//   background) give the two classes different keys.
// - If the leader's coroutine is destroyed (shutdown) or cancelled (its client hung up) before fn
//   finishes, the followers still want the result: the first of them leads a new flight with its own fn
//   and the others join it, each still bounded by its own deadline. So a departing client stops only the
//   work no one else waits for, and never fails the others.
// - If its own wait is cancelled (cancellation slot), it gets system_error(operation_aborted).
// The leader itself just runs fn inline: its deadline is the one fn passes on to the upstream call.
//
// Why no wake-up can be lost on a multi-threaded executor without strands: each follower sleeps on its
// own steady_timer (expiring at its deadline), and every call on that timer object (async_wait, cancel,
// and unlisting it before it is destroyed) happens under the registry mutex, as does publishing the
// result. So either the result is published before the follower's async_wait starts, and the arming code
// sees `done` and cancels at once, or after it, and the publisher cancels a wait that is pending. The
// timer is never used from two threads at once, and Asio owns the suspended follower (its handler sits in
// the timer's operation), so an io_context that shuts down destroys it like any other pending wait.
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/system/system_error.hpp>
#include <chrono>
#include <exception>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>

namespace dav115::util {

// A follower gave up (its deadline passed) or the flight it waited for was abandoned. Callers map it to
// their own "try again later" error (vfs: BackendError Unavailable, cloud115: ApiError Unavailable).
struct FlightError : std::runtime_error {
  enum class Kind { Timeout, Abandoned };
  FlightError(Kind kind, const std::string& message) : std::runtime_error(message), kind(kind) {}
  Kind kind;
};

template <class Key, class Value>
class SingleFlight {
 public:
  using Clock = std::chrono::steady_clock;
  using Work = std::function<boost::asio::awaitable<Value>()>;

  // Runs fn() unless a run for `key` is already in flight, in which case it waits for that one, until
  // `deadline` at the latest. Returns the shared result; rethrows the shared exception.
  // Not a coroutine: key and fn are copied onto the heap here, so the caller may pass temporaries (no
  // by-value coroutine parameter is initialised from them, which g++ 12 mishandles, PR 99576).
  template <class Fn>
  boost::asio::awaitable<Value> run(const Key& key, Fn&& fn, Clock::time_point deadline = Clock::time_point::max()) {
    auto job = std::make_shared<Job>(Job{registry_, key, Work(std::forward<Fn>(fn)), deadline});
    return join(std::move(job));
  }

  std::size_t in_flight() const {
    std::lock_guard lk(registry_->mu);
    return registry_->calls.size();
  }

 private:
  struct Call {
    bool done = false;  // value or error is set and will not change
    std::optional<Value> value;
    std::exception_ptr error;
    std::list<boost::asio::steady_timer*> waiters;  // followers' wake-up timers
  };
  // Shared with every running join(), so a SingleFlight destroyed mid-flight leaves nothing dangling.
  struct Registry {
    std::mutex mu;  // guards calls, every Call and every listed timer
    std::map<Key, std::shared_ptr<Call>> calls;
  };
  struct Job {
    std::shared_ptr<Registry> registry;
    Key key;
    Work fn;
    Clock::time_point deadline;
  };

  // The leader's outcome, published exactly once: by publish(), or as "abandoned" when the leader's frame
  // is destroyed before it got there.
  class Publisher {
   public:
    Publisher(const Job& job, std::shared_ptr<Call> call) : job_(job), call_(std::move(call)) {}
    Publisher(const Publisher&) = delete;
    Publisher& operator=(const Publisher&) = delete;
    ~Publisher() {
      if (!published_)
        publish(std::nullopt, std::make_exception_ptr(FlightError(
                                  FlightError::Kind::Abandoned, "the shared request was abandoned before it finished")));
    }
    void publish(std::optional<Value> value, std::exception_ptr error) {
      std::lock_guard lk(job_.registry->mu);
      auto& calls = job_.registry->calls;
      auto it = calls.find(job_.key);
      if (it != calls.end() && it->second == call_) calls.erase(it);
      call_->value = std::move(value);
      call_->error = std::move(error);
      call_->done = true;
      for (auto* timer : call_->waiters) timer->cancel();
      published_ = true;
    }

   private:
    const Job& job_;
    std::shared_ptr<Call> call_;
    bool published_ = false;
  };

  // Keeps a follower's timer listed in its Call while the follower exists.
  class Listing {
   public:
    Listing(Registry& registry, Call& call, typename std::list<boost::asio::steady_timer*>::iterator it)
        : registry_(registry), call_(call), it_(it) {}
    Listing(const Listing&) = delete;
    Listing& operator=(const Listing&) = delete;
    ~Listing() {
      std::lock_guard lk(registry_.mu);
      call_.waiters.erase(it_);
    }

   private:
    Registry& registry_;
    Call& call_;
    typename std::list<boost::asio::steady_timer*>::iterator it_;
  };

  // Starts the follower's wait under the registry mutex (see the header comment). Only raw pointers:
  // trivially destructible, so the g++ 12 double destruction of coroutine arguments cannot hurt.
  struct Arm {
    Registry* registry;
    Call* call;
    boost::asio::steady_timer* timer;
    template <class Handler>
    void operator()(Handler&& handler) const {
      std::lock_guard lk(registry->mu);
      timer->async_wait(std::forward<Handler>(handler));
      if (call->done) timer->cancel();
    }
  };

  // What followers get when the leader failed: its exception, except that the leader's own cancellation
  // is not theirs (they would take it for their own): for them the flight was abandoned.
  static std::exception_ptr for_followers(const std::exception_ptr& error) {
    try {
      std::rethrow_exception(error);
    } catch (const boost::system::system_error& e) {
      if (e.code() == boost::asio::error::operation_aborted)
        return std::make_exception_ptr(
            FlightError(FlightError::Kind::Abandoned, "the shared request was cancelled before it finished"));
    } catch (...) {
    }
    return error;
  }

  static boost::asio::awaitable<Value> join(std::shared_ptr<Job> job) {
    auto ex = co_await boost::asio::this_coro::executor;
    std::optional<boost::asio::steady_timer> timer;
    std::shared_ptr<Call> call;
    typename std::list<boost::asio::steady_timer*>::iterator listed;
    {
      std::lock_guard lk(job->registry->mu);
      auto& calls = job->registry->calls;
      auto it = calls.find(job->key);
      if (it == calls.end()) {
        call = std::make_shared<Call>();
        calls.emplace(job->key, call);
      } else {
        call = it->second;  // listed in `calls`, so not done yet: publish() will see our timer
        timer.emplace(ex, job->deadline);
        listed = call->waiters.insert(call->waiters.end(), &*timer);
      }
    }

    if (!timer) {  // the leader
      Publisher publisher(*job, call);
      std::optional<Value> value;
      std::exception_ptr error;
      try {
        auto running = job->fn();
        value.emplace(co_await std::move(running));
      } catch (...) {
        error = std::current_exception();
      }
      publisher.publish(value, error ? for_followers(error) : nullptr);
      if (error) std::rethrow_exception(error);
      co_return std::move(*value);
    }

    Listing listing(*job->registry, *call, listed);
    boost::system::error_code ec;
    auto token = boost::asio::redirect_error(boost::asio::use_awaitable, ec);
    auto waiting = boost::asio::async_initiate<decltype(token), void(boost::system::error_code)>(
        Arm{job->registry.get(), call.get(), &*timer}, token);
    co_await std::move(waiting);
    bool done;
    {
      std::lock_guard lk(job->registry->mu);
      done = call->done;
    }
    if (!done) {
      // publish() sets done before it cancels, so an abort without done is a cancellation of this wait.
      if (ec == boost::asio::error::operation_aborted) throw boost::system::system_error(ec);
      throw FlightError(FlightError::Kind::Timeout, "gave up waiting for a shared request at the deadline");
    }
    if (call->error) {
      if (abandoned(call->error)) {
        auto leading = join(std::move(job));  // the leader went away: take over (see the header comment)
        co_return co_await std::move(leading);
      }
      std::rethrow_exception(call->error);
    }
    co_return *call->value;
  }

  static bool abandoned(const std::exception_ptr& error) {
    try {
      std::rethrow_exception(error);
    } catch (const FlightError& e) {
      return e.kind == FlightError::Kind::Abandoned;
    } catch (...) {
      return false;
    }
  }

  std::shared_ptr<Registry> registry_ = std::make_shared<Registry>();
};

}  // namespace dav115::util

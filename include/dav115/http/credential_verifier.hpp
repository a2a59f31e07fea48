#pragma once
// Runs password verifications (PBKDF2, slow on purpose) on a small thread pool of their own, so the
// I/O threads keep serving other requests meanwhile. Concurrent checks of the same credentials share
// one derivation. Thread-safe.
#include <boost/asio/any_completion_executor.hpp>
#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/thread_pool.hpp>

#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace dav115::http {

class CredentialVerifier {
 public:
  explicit CredentialVerifier(std::size_t threads = 2);
  ~CredentialVerifier();  // shutdown()
  CredentialVerifier(const CredentialVerifier&) = delete;
  CredentialVerifier& operator=(const CredentialVerifier&) = delete;

  // Runs `derive` on the pool, unless a derivation for the same `key` is already running, whose result
  // is then shared; completes with its result on the caller's executor. `derive` must own its inputs.
  // After shutdown() it completes with false at once.
  template <class Token>
  auto async_verify(std::string key, std::function<bool()> derive, Token&& token) {
    return boost::asio::async_initiate<Token, void(bool)>(
        [this](auto handler, std::string key, std::function<bool()> derive) {
          start(std::move(key), std::move(derive), Handler(std::move(handler)));
        },
        token, std::move(key), std::move(derive));
  }

  // Finishes the derivations already queued (each is bounded), then refuses new ones. Call while the
  // waiters' executors still exist; idempotent.
  void shutdown();

  // Checks waiting for or running a derivation (the "dav115_auth_verifications_pending" gauge).
  std::size_t pending() const;

 private:
  using Handler = boost::asio::any_completion_handler<void(bool)>;
  struct Waiter {
    Handler handler;
    boost::asio::any_completion_executor work;  // keeps the waiter's io_context running meanwhile
  };
  void start(std::string key, std::function<bool()> derive, Handler handler);
  void finish(const std::string& key, bool ok);
  static void complete(Waiter waiter, bool ok);

  mutable std::mutex mu_;
  bool closed_ = false;
  std::size_t pending_ = 0;
  std::unordered_map<std::string, std::vector<Waiter>> waiters_;  // key -> checks awaiting that derivation
  boost::asio::thread_pool pool_;
};

}  // namespace dav115::http

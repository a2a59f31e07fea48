#include "dav115/http/credential_verifier.hpp"

#include <boost/asio/append.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>

#include "dav115/util/metrics.hpp"

namespace dav115::http {

namespace asio = boost::asio;

namespace {
constexpr const char* kPendingGauge = "dav115_auth_verifications_pending";
}

CredentialVerifier::CredentialVerifier(std::size_t threads) : pool_(threads == 0 ? 1 : threads) {
  util::Metrics::global().describe(kPendingGauge, "gauge",
                                   "Password checks waiting for or running a PBKDF2 derivation off the I/O threads.");
}

CredentialVerifier::~CredentialVerifier() { shutdown(); }

void CredentialVerifier::shutdown() {
  {
    std::lock_guard lk(mu_);
    closed_ = true;
  }
  // Without stop(): join() lets the queued derivations run, so every waiter is resumed (with its
  // result) rather than destroyed inside the pool.
  pool_.join();
}

std::size_t CredentialVerifier::pending() const {
  std::lock_guard lk(mu_);
  return pending_;
}

void CredentialVerifier::complete(Waiter waiter, bool ok) {
  // Resumes the waiter through its own executor (a connection's own thread): dispatch from a pool thread,
  // which runs none of the io_context's handlers, queues it there rather than running it here.
  asio::dispatch(asio::append(std::move(waiter.handler), ok));
}

void CredentialVerifier::start(std::string key, std::function<bool()> derive, Handler handler) {
  auto ex = asio::get_associated_executor(handler);
  Waiter waiter{std::move(handler), asio::prefer(ex, asio::execution::outstanding_work.tracked)};
  std::unique_lock lk(mu_);
  if (closed_) {
    lk.unlock();
    complete(std::move(waiter), false);
    return;
  }
  auto [it, first] = waiters_.try_emplace(key);
  it->second.push_back(std::move(waiter));
  ++pending_;
  util::Metrics::global().add(kPendingGauge, {}, 1);  // a delta: every verifier in the process counts into it
  if (!first) return;  // that derivation is already queued: share its result
  asio::post(pool_, [this, key = std::move(key), derive = std::move(derive)] {
    bool ok = false;
    try {
      ok = derive();
    } catch (...) {
    }
    finish(key, ok);
  });
}

void CredentialVerifier::finish(const std::string& key, bool ok) {
  std::vector<Waiter> done;
  {
    std::lock_guard lk(mu_);
    auto it = waiters_.find(key);
    if (it == waiters_.end()) return;
    done = std::move(it->second);
    waiters_.erase(it);
    pending_ -= done.size();
    util::Metrics::global().add(kPendingGauge, {}, -static_cast<double>(done.size()));
  }
  for (auto& h : done) complete(std::move(h), ok);
}

}  // namespace dav115::http

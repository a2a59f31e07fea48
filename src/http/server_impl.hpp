#pragma once
// State shared by the listeners and the sessions of one Server (private to src/http/).
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/strand.hpp>

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "dav115/http/authenticator.hpp"
#include "dav115/http/server.hpp"
#include "dav115/http/trusted_proxies.hpp"

namespace spdlog { class logger; }

namespace dav115::http {

namespace detail {
// What drain() needs from a live connection; both calls are thread-safe (they post to its thread).
class SessionControl {
 public:
  virtual ~SessionControl() = default;
  virtual void close_if_idle() = 0;  // only if it is waiting for the next request
  virtual void close_now() = 0;
};
}  // namespace detail

struct Server::Impl {
  Impl(boost::asio::io_context& ioc, std::vector<boost::asio::io_context*> session_contexts, const config::Config& cfg,
       RequestHandler handler, HealthProvider health);

  boost::asio::io_context& ioc;  // listeners and drain()
  // Where connections live, one thread each: the listeners deal them out in turn, and a connection
  // stays on its context for its whole life (no strand, no hand-off between threads per operation).
  std::vector<boost::asio::io_context*> session_contexts;
  std::atomic<std::size_t> next_context{0};
  boost::asio::io_context& context_for_next_connection() {
    return *session_contexts[next_context.fetch_add(1, std::memory_order_relaxed) % session_contexts.size()];
  }
  const config::Config cfg;
  RequestHandler handler;
  HealthProvider health;
  PublicPathPredicate is_public;  // targets served without Basic auth (signed download-proxy links)
  RequestHandler admin;           // /admin and below, for admin users only; empty = not served
  MethodRefusal refuse_method;    // methods answered without reading their body
  Authenticator auth;
  TrustedProxies trusted_proxies;  // whose X-Forwarded-For names the client
  std::shared_ptr<spdlog::logger> access_log;  // null = access log off
  std::unique_ptr<boost::asio::ssl::context> tls;  // set when a listener has tls=true

  struct Listener {
    boost::asio::ip::tcp::acceptor acceptor;
    bool tls = false;
    std::uint16_t port = 0;
  };
  std::vector<std::unique_ptr<Listener>> listeners;

  std::atomic<std::size_t> connections{0};
  std::atomic<std::size_t> active_requests{0};
  std::atomic<bool> draining{false};

  // Per-address connection slots (limits.max_connections_per_ip). False when `peer` already holds
  // its share; trusted proxies carry many users and are never limited. Release every slot taken.
  bool take_address_slot(const std::string& peer);
  void release_address_slot(const std::string& peer);

  std::uint64_t add_session(std::weak_ptr<detail::SessionControl> s);
  void remove_session(std::uint64_t id);
  std::vector<std::shared_ptr<detail::SessionControl>> sessions();
  void close_listeners();

 private:
  std::mutex sessions_mu_;
  std::uint64_t next_session_id_ = 1;
  std::map<std::uint64_t, std::weak_ptr<detail::SessionControl>> sessions_;
  std::mutex addresses_mu_;
  std::map<std::string, std::size_t> connections_by_address_;  // only limited addresses, only while > 0
};

namespace detail {
// An accepted connection, bound to the io_context (one thread) that serves it for its whole life.
using SessionSocket = boost::asio::basic_stream_socket<boost::asio::ip::tcp, boost::asio::io_context::executor_type>;
// One connection, from TLS handshake (run_tls_session) to close. Defined in session_plain.cpp and
// session_tls.cpp. `peer` is the client's address as the connection limits and logs see it; its
// address slot is released when the session ends.
// `cancel` is the signal bound to the session's coroutine when it is spawned: it cancels the request
// being handled when its client goes away.
boost::asio::awaitable<void> run_plain_session(std::shared_ptr<Server::Impl> impl, SessionSocket socket, std::string peer,
                                               std::shared_ptr<boost::asio::cancellation_signal> cancel);
boost::asio::awaitable<void> run_tls_session(std::shared_ptr<Server::Impl> impl, SessionSocket socket, std::string peer,
                                             std::shared_ptr<boost::asio::cancellation_signal> cancel);
// Everything after the request is read: built-in endpoints, authentication, the handler. Never throws.
boost::asio::awaitable<util::HttpResponse> route(Server::Impl& impl, util::HttpRequest& req);
}  // namespace detail

}  // namespace dav115::http

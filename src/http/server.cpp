// Listeners, the accept loops, the connection cap, and drain().
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <spdlog/spdlog.h>

#include <stdexcept>

#include <unistd.h>

#include "dav115/util/metrics.hpp"
#include "request_record.hpp"
#include "server_impl.hpp"

namespace dav115::http {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

std::unique_ptr<asio::ssl::context> make_tls_context(const config::Tls& tls) {
  auto ctx = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
  ctx->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                   asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1 |
                   asio::ssl::context::single_dh_use);
  try {
    ctx->use_certificate_chain_file(tls.cert);
    ctx->use_private_key_file(tls.key, asio::ssl::context::pem);
  } catch (const boost::system::system_error& e) {
    throw std::runtime_error("cannot load TLS certificate/key (" + tls.cert + ", " + tls.key + "): " + e.what());
  }
  return ctx;
}

constexpr std::string_view kTooManyConnections =
    "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\nContent-Length: 21\r\n"
    "Retry-After: 1\r\nConnection: close\r\n\r\ntoo many connections\n";
constexpr std::string_view kTooManyFromAddress =
    "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\nContent-Length: 39\r\n"
    "Retry-After: 1\r\nConnection: close\r\n\r\ntoo many connections from your address\n";

// The connection's peer address; a dual-stack listener's IPv4-mapped form is shown (and limited) as IPv4.
template <class Socket>
std::string peer_address(const Socket& socket) {
  boost::system::error_code ec;
  auto addr = socket.remote_endpoint(ec).address();
  if (ec) return "-";
  if (addr.is_v6() && addr.to_v6().is_v4_mapped()) addr = asio::ip::make_address_v4(asio::ip::v4_mapped, addr.to_v6());
  return addr.to_string();
}

// Over a cap: a short 503 (plain HTTP only; a TLS client could not read it) and close, without
// touching the connections being served.
asio::awaitable<void> reject_connection(detail::SessionSocket socket, bool tls, std::string_view msg) {
  boost::beast::basic_stream<tcp, asio::io_context::executor_type, boost::beast::unlimited_rate_policy> stream(
      std::move(socket));
  if (!tls) {
    stream.expires_after(std::chrono::seconds(2));
    co_await asio::async_write(stream, asio::buffer(msg.data(), msg.size()), asio::as_tuple(asio::use_awaitable));
  }
  boost::system::error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_both, ec);
  stream.socket().close(ec);
}

asio::awaitable<void> accept_loop(std::shared_ptr<Server::Impl> impl, Server::Impl::Listener& listener) {
  for (;;) {
    auto [ec, accepted] = co_await listener.acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
    if (ec) {
      if (ec == asio::error::operation_aborted || !listener.acceptor.is_open() || impl->draining) co_return;
      // EMFILE and friends: keep the listener alive, retry shortly.
      spdlog::warn("accept failed: {}", ec.message());
      asio::steady_timer t(listener.acceptor.get_executor(), std::chrono::milliseconds(100));
      co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
      continue;
    }
    // Accepted on the listener's own context, then handed to the connection's: no operation of one
    // context ever holds an object of another (at shutdown each context is destroyed on its own).
    auto& context = impl->context_for_next_connection();
    const auto protocol = accepted.local_endpoint(ec).protocol();
    detail::SessionSocket socket(context);
    if (!ec) {
      auto handle = accepted.release(ec);
      if (!ec) {
        socket.assign(protocol, handle, ec);
        if (ec) ::close(handle);
      }
    }
    if (ec) {
      spdlog::warn("could not take an accepted connection: {}", ec.message());
      continue;
    }
    auto ex = socket.get_executor();
    if (impl->connections.fetch_add(1) >= impl->cfg.limits.max_connections) {
      impl->connections.fetch_sub(1);
      util::Metrics::global().add("dav115_http_connections_rejected_total");
      asio::co_spawn(ex, reject_connection(std::move(socket), listener.tls, kTooManyConnections), asio::detached);
      continue;
    }
    auto peer = peer_address(socket);
    if (!impl->take_address_slot(peer)) {
      impl->connections.fetch_sub(1);
      util::Metrics::global().add("dav115_http_connections_rejected_total");
      util::Metrics::global().add("dav115_http_connections_rejected_per_ip_total");
      asio::co_spawn(ex, reject_connection(std::move(socket), listener.tls, kTooManyFromAddress), asio::detached);
      continue;
    }
    // The signal outlives the coroutine: the completion handler holds it too.
    auto cancel = std::make_shared<asio::cancellation_signal>();
    auto done = asio::bind_cancellation_slot(cancel->slot(), [cancel](std::exception_ptr) {});
    if (listener.tls)
      asio::co_spawn(ex, detail::run_tls_session(impl, std::move(socket), std::move(peer), cancel), std::move(done));
    else
      asio::co_spawn(ex, detail::run_plain_session(impl, std::move(socket), std::move(peer), cancel), std::move(done));
  }
}

tcp::endpoint resolve_listen(const config::ListenAddress& l) {
  boost::system::error_code ec;
  std::string host = l.host.empty() ? "0.0.0.0" : l.host;
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  auto addr = asio::ip::make_address(host, ec);
  if (ec) throw std::runtime_error("listen address '" + l.host + "' is not an IP address");
  return {addr, l.port};
}

}  // namespace

Server::Impl::Impl(asio::io_context& ioc, std::vector<asio::io_context*> contexts, const config::Config& cfg,
                   RequestHandler handler, HealthProvider health)
    : ioc(ioc), session_contexts(contexts.empty() ? std::vector<asio::io_context*>{&ioc} : std::move(contexts)), cfg(cfg), handler(std::move(handler)), health(std::move(health)), auth(cfg),
      trusted_proxies(cfg.trusted_proxies),
      access_log(detail::access_logger(cfg.access_log)) {}

bool Server::Impl::take_address_slot(const std::string& peer) {
  if (peer == "-" || trusted_proxies.contains(peer)) return true;
  std::lock_guard lk(addresses_mu_);
  auto& n = connections_by_address_[peer];
  if (n >= cfg.limits.max_connections_per_ip) return false;
  ++n;
  return true;
}

void Server::Impl::release_address_slot(const std::string& peer) {
  if (peer == "-" || trusted_proxies.contains(peer)) return;
  std::lock_guard lk(addresses_mu_);
  auto it = connections_by_address_.find(peer);
  if (it == connections_by_address_.end()) return;
  if (--it->second == 0) connections_by_address_.erase(it);
}

std::uint64_t Server::Impl::add_session(std::weak_ptr<detail::SessionControl> s) {
  std::lock_guard lk(sessions_mu_);
  auto id = next_session_id_++;
  sessions_.emplace(id, std::move(s));
  return id;
}

void Server::Impl::remove_session(std::uint64_t id) {
  std::lock_guard lk(sessions_mu_);
  sessions_.erase(id);
}

std::vector<std::shared_ptr<detail::SessionControl>> Server::Impl::sessions() {
  std::lock_guard lk(sessions_mu_);
  std::vector<std::shared_ptr<detail::SessionControl>> out;
  for (auto& [id, w] : sessions_)
    if (auto s = w.lock()) out.push_back(std::move(s));
  return out;
}

void Server::Impl::close_listeners() {
  // Acceptors are not thread-safe: close each one on its own strand.
  for (auto& l : listeners)
    asio::dispatch(l->acceptor.get_executor(), [l = l.get()] {
      boost::system::error_code ec;
      l->acceptor.close(ec);
    });
}

void Server::set_public_paths(PublicPathPredicate pred) { impl_->is_public = std::move(pred); }
void Server::set_method_refusal(MethodRefusal refusal) { impl_->refuse_method = std::move(refusal); }
void Server::set_admin_handler(RequestHandler admin) { impl_->admin = std::move(admin); }

Server::Server(asio::io_context& ioc, const config::Config& cfg, RequestHandler handler, HealthProvider health,
               std::vector<asio::io_context*> session_contexts)
    : impl_(std::make_shared<Impl>(ioc, std::move(session_contexts), cfg, std::move(handler), std::move(health))) {
  detail::describe_http_metrics();
}

Server::~Server() {
  // Stop whatever still runs; the coroutines hold their own reference to Impl.
  impl_->draining = true;
  impl_->close_listeners();
  for (auto& s : impl_->sessions()) s->close_now();
  // Password checks still queued resume their sessions now, while the io_context still exists.
  impl_->auth.shutdown();
}

void Server::start() {
  auto& impl = *impl_;
  if (impl.cfg.listen.empty()) throw std::runtime_error("no listen address configured");
  for (const auto& l : impl.cfg.listen) {
    if (l.tls && !impl.tls) impl.tls = make_tls_context(impl.cfg.tls);
    auto ep = resolve_listen(l);
    auto listener = std::make_unique<Impl::Listener>(Impl::Listener{tcp::acceptor(asio::make_strand(impl.ioc)), l.tls, 0});
    boost::system::error_code ec;
    auto& acc = listener->acceptor;
    acc.open(ep.protocol(), ec);
    if (!ec) acc.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec && ep.address().is_v6()) acc.set_option(asio::ip::v6_only(false), ec);
    if (!ec) acc.bind(ep, ec);
    if (!ec) acc.listen(asio::socket_base::max_listen_connections, ec);
    if (ec)
      throw std::runtime_error("cannot listen on " + l.host + ":" + std::to_string(l.port) + ": " + ec.message());
    listener->port = acc.local_endpoint().port();
    spdlog::info("listening on {}://{}:{}", l.tls ? "https" : "http", l.host, listener->port);
    impl.listeners.push_back(std::move(listener));
  }
  for (auto& l : impl.listeners)
    asio::co_spawn(l->acceptor.get_executor(), accept_loop(impl_, *l), asio::detached);
}

std::vector<std::uint16_t> Server::bound_ports() const {
  std::vector<std::uint16_t> ports;
  for (const auto& l : impl_->listeners) ports.push_back(l->port);
  return ports;
}

std::size_t Server::active_connections() const { return impl_->connections.load(); }

asio::awaitable<void> Server::drain(std::chrono::seconds grace) {
  auto impl = impl_;
  impl->draining = true;
  impl->close_listeners();
  for (auto& s : impl->sessions()) s->close_if_idle();

  // Polling keeps drain independent of every session's thread; 20 ms is invisible at shutdown.
  asio::steady_timer timer(co_await asio::this_coro::executor);
  auto wait = [&](auto d) -> asio::awaitable<void> {
    timer.expires_after(d);
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
  };
  auto deadline = std::chrono::steady_clock::now() + grace;
  while (impl->active_requests.load() > 0 && std::chrono::steady_clock::now() < deadline)
    co_await wait(std::chrono::milliseconds(20));

  for (auto& s : impl->sessions()) s->close_now();
  auto unwind_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (impl->connections.load() > 0 && std::chrono::steady_clock::now() < unwind_deadline)
    co_await wait(std::chrono::milliseconds(10));
}

}  // namespace dav115::http

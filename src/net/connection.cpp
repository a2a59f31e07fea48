#include "dav115/net/connection.hpp"

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/error.hpp>
#include <openssl/ssl.h>

#include "dav115/net/http_client.hpp"

namespace dav115::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
using namespace boost::asio::experimental::awaitable_operators;

asio::ssl::context make_client_tls_context(bool verify_tls, const std::string& ca_file) {
  asio::ssl::context ctx(asio::ssl::context::tls_client);
  ctx.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                  asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1);
  if (verify_tls) {
    ctx.set_default_verify_paths();
    if (!ca_file.empty()) ctx.load_verify_file(ca_file);
    ctx.set_verify_mode(asio::ssl::verify_peer);
  } else {
    ctx.set_verify_mode(asio::ssl::verify_none);
  }
  return ctx;
}

Connection::Connection(asio::any_io_executor ex, asio::ssl::context& tls_ctx, Origin origin)
    : origin_(std::move(origin)), ctx_(tls_ctx) {
  if (origin_.tls) tls_ = std::make_unique<asio::ssl::stream<beast::tcp_stream>>(ex, ctx_);
  else tcp_ = std::make_unique<beast::tcp_stream>(ex);
  // Beast sizes each socket read by the buffer's free capacity (512 bytes at first), so a streamed
  // body arrives in tiny reads; reserving Beast's 64 KiB read ceiling up front makes every read count.
  buffer_.reserve(kReadBufferBytes);
}

Connection::~Connection() = default;

beast::tcp_stream& Connection::lowest() { return tls_ ? tls_->next_layer() : *tcp_; }

void Connection::expires_at(Clock::time_point deadline) { lowest().expires_at(deadline); }

bool Connection::is_open() const {
  return tls_ ? tls_->next_layer().socket().is_open() : tcp_->socket().is_open();
}

void Connection::close() {
  beast::error_code ec;
  lowest().socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  lowest().socket().close(ec);
}

asio::awaitable<void> Connection::connect(Clock::time_point deadline) {
  auto ex = co_await asio::this_coro::executor;
  try {
    // The resolver has no expiry of its own: race it against the deadline.
    asio::ip::tcp::resolver resolver(ex);
    asio::steady_timer timer(ex, deadline);
    auto raced = co_await (resolver.async_resolve(origin_.host, origin_.port, asio::use_awaitable) ||
                           timer.async_wait(asio::use_awaitable));
    if (raced.index() == 1) throw TransportError("timed out resolving " + origin_.host);
    auto endpoints = std::get<0>(std::move(raced));

    lowest().expires_at(deadline);
    co_await lowest().async_connect(endpoints, asio::use_awaitable);
    if (tls_) {
      if (!SSL_set_tlsext_host_name(tls_->native_handle(), origin_.host.c_str()))
        throw TransportError("cannot set TLS SNI for " + origin_.host);
      if (ctx_.native_handle() && SSL_CTX_get_verify_mode(ctx_.native_handle()) != SSL_VERIFY_NONE)
        tls_->set_verify_callback(asio::ssl::host_name_verification(origin_.host));
      co_await tls_->async_handshake(asio::ssl::stream_base::client, asio::use_awaitable);
    }
  } catch (const boost::system::system_error& e) {
    close();
    throw TransportError("connecting to " + origin_.key() + ": " + e.code().message());
  }
}

asio::awaitable<void> Connection::write(beast::http::request<beast::http::string_body>& req) {
  mark_used();
  if (tls_) co_await beast::http::async_write(*tls_, req, asio::use_awaitable);
  else co_await beast::http::async_write(*tcp_, req, asio::use_awaitable);
}

std::unique_ptr<Connection> ConnectionPool::take(const Origin& origin) {
  std::lock_guard lk(mu_);
  auto it = idle_.find(origin.key());
  if (it == idle_.end()) return nullptr;
  auto& q = it->second;
  auto now = Clock::now();
  while (!q.empty()) {
    auto conn = std::move(q.back());
    q.pop_back();
    if (conn->is_open() && now - conn->idle_since < keepalive_) return conn;
  }
  return nullptr;
}

void ConnectionPool::give_back(std::unique_ptr<Connection> conn) {
  if (!conn || !conn->is_open()) return;
  conn->idle_since = Clock::now();
  std::lock_guard lk(mu_);
  auto& q = idle_[conn->origin().key()];
  q.push_back(std::move(conn));
  while (q.size() > max_idle_) q.pop_front();  // drop the oldest
}

std::size_t ConnectionPool::idle_count() const {
  std::lock_guard lk(mu_);
  std::size_t n = 0;
  for (const auto& [k, q] : idle_) n += q.size();
  return n;
}

void ConnectionPool::clear() {
  std::lock_guard lk(mu_);
  idle_.clear();
}

}  // namespace dav115::net

#pragma once
// One outbound HTTP/1.1 connection (plain TCP or TLS) and the per-origin pool of idle ones.
// Kept separate from HttpClient so streaming downloads (issue #4) can drive a Connection themselves:
// write a request, read the header, then read the body piece by piece.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace dav115::net {

using Clock = std::chrono::steady_clock;

// scheme + host + port: the unit of connection reuse.
struct Origin {
  bool tls = false;
  std::string host;
  std::string port;
  std::string key() const { return (tls ? "https://" : "http://") + host + ":" + port; }
};

// A client TLS context: TLS 1.2+, and either peer verification against the system store (plus `ca_file`
// when set) or none at all (tests only).
boost::asio::ssl::context make_client_tls_context(bool verify_tls, const std::string& ca_file);

class Connection {
 public:
  // tls_ctx must outlive the connection; it is only used when origin.tls.
  Connection(boost::asio::any_io_executor ex, boost::asio::ssl::context& tls_ctx, Origin origin);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Resolve, TCP connect, and (https) TLS handshake with SNI and host name verification,
  // all before `deadline`. Throws TransportError.
  boost::asio::awaitable<void> connect(Clock::time_point deadline);

  // Bounds every following stream operation (Beast's tcp_stream expiry).
  void expires_at(Clock::time_point deadline);

  boost::asio::awaitable<void> write(boost::beast::http::request<boost::beast::http::string_body>& req);

  // Reads the response header into `parser` (the body stays in the stream for read_some/read).
  template <class Body>
  boost::asio::awaitable<void> read_header(boost::beast::http::response_parser<Body>& parser) {
    if (tls_) co_await boost::beast::http::async_read_header(*tls_, buffer_, parser, boost::asio::use_awaitable);
    else co_await boost::beast::http::async_read_header(*tcp_, buffer_, parser, boost::asio::use_awaitable);
  }
  // Reads the rest of the message (or, with a buffer_body, the next piece of it).
  template <class Body>
  boost::asio::awaitable<std::size_t> read_some(boost::beast::http::response_parser<Body>& parser) {
    if (tls_) co_return co_await boost::beast::http::async_read_some(*tls_, buffer_, parser, boost::asio::use_awaitable);
    co_return co_await boost::beast::http::async_read_some(*tcp_, buffer_, parser, boost::asio::use_awaitable);
  }
  template <class Body>
  boost::asio::awaitable<void> read(boost::beast::http::response_parser<Body>& parser) {
    if (tls_) co_await boost::beast::http::async_read(*tls_, buffer_, parser, boost::asio::use_awaitable);
    else co_await boost::beast::http::async_read(*tcp_, buffer_, parser, boost::asio::use_awaitable);
  }

  void close();  // abrupt close, no TLS close_notify: the peer cannot tell us anything useful then
  bool is_open() const;
  const Origin& origin() const { return origin_; }
  bool reused() const { return uses_ > 1; }
  void mark_used() { ++uses_; }

  Clock::time_point idle_since;

 private:
  Origin origin_;
  std::unique_ptr<boost::beast::tcp_stream> tcp_;  // http only
  std::unique_ptr<boost::asio::ssl::stream<boost::beast::tcp_stream>> tls_;  // https only
  boost::asio::ssl::context& ctx_;
  static constexpr std::size_t kReadBufferBytes = 64 * 1024;
  boost::beast::flat_buffer buffer_;
  int uses_ = 0;

  boost::beast::tcp_stream& lowest();
};

// Idle keep-alive connections by origin. Thread-safe.
class ConnectionPool {
 public:
  ConnectionPool(std::size_t max_idle_per_origin, std::chrono::seconds idle_keepalive)
      : max_idle_(max_idle_per_origin), keepalive_(idle_keepalive) {}
  // The most recently parked live connection for this origin, or null.
  std::unique_ptr<Connection> take(const Origin& origin);
  // Parks a connection whose last response allowed keep-alive.
  void give_back(std::unique_ptr<Connection> conn);
  std::size_t idle_count() const;
  void clear();

 private:
  std::size_t max_idle_;
  std::chrono::seconds keepalive_;
  mutable std::mutex mu_;
  std::map<std::string, std::deque<std::unique_ptr<Connection>>> idle_;
};

}  // namespace dav115::net

#pragma once
// A tiny in-process HTTP/1.1 server on 127.0.0.1 for unit tests: every request goes to `handler`,
// which returns the response. Runs on the test's io_context; stop() ends the accept loop.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <exception>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <functional>
#include <memory>
#include <string>

namespace dav115::test {

namespace asio = boost::asio;
namespace http = boost::beast::http;

using ServerRequest = http::request<http::string_body>;
struct ServerReply {
  unsigned status = 200;
  std::string body;
  std::string content_type = "application/json";
  bool close_after = false;  // close the connection after this response (Connection: close)
  bool drop_silently = false;  // close without answering
};

class TestServer {
 public:
  using Handler = std::function<asio::awaitable<ServerReply>(const ServerRequest&)>;

  TestServer(asio::any_io_executor ex, Handler handler)
      : state_(std::make_shared<State>(ex, std::move(handler))) {
    asio::ip::tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), 0);
    state_->acceptor.open(ep.protocol());
    state_->acceptor.set_option(asio::ip::tcp::acceptor::reuse_address(true));
    state_->acceptor.bind(ep);
    state_->acceptor.listen();
    asio::co_spawn(ex, accept_loop(state_), asio::detached);
  }
  ~TestServer() { stop(); }

  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(state_->acceptor.local_endpoint().port()); }
  int connections() const { return state_->connections; }
  int requests() const { return state_->requests; }
  void stop() {
    boost::system::error_code ec;
    state_->acceptor.close(ec);
    state_->stopped = true;
  }

 private:
  struct State {
    State(asio::any_io_executor ex, Handler h) : acceptor(ex), handler(std::move(h)) {}
    asio::ip::tcp::acceptor acceptor;
    Handler handler;
    std::atomic<int> connections{0}, requests{0};
    std::atomic<bool> stopped{false};
  };

  static asio::awaitable<void> accept_loop(std::shared_ptr<State> st) {
    for (;;) {
      boost::system::error_code ec;
      auto sock = co_await st->acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;
      ++st->connections;
      asio::co_spawn(st->acceptor.get_executor(), session(st, std::move(sock)), asio::detached);
    }
  }

  static asio::awaitable<void> session(std::shared_ptr<State> st, asio::ip::tcp::socket sock) {
    boost::beast::tcp_stream stream(std::move(sock));
    boost::beast::flat_buffer buf;
    for (int i = 0; i < 10000 && !st->stopped; ++i) {
      ServerRequest req;
      boost::system::error_code ec;
      stream.expires_after(std::chrono::seconds(10));
      co_await http::async_read(stream, buf, req, asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;
      ++st->requests;
      ServerReply r = co_await st->handler(req);
      if (r.drop_silently) co_return;
      http::response<http::string_body> res{static_cast<http::status>(r.status), 11};
      res.set(http::field::content_type, r.content_type);
      res.body() = r.body;
      res.keep_alive(!r.close_after && req.keep_alive());
      res.prepare_payload();
      co_await http::async_write(stream, res, asio::redirect_error(asio::use_awaitable, ec));
      if (ec || !res.keep_alive()) {
        stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
        co_return;
      }
    }
  }

  std::shared_ptr<State> state_;
};

// Runs the coroutine `body()` on `io` until it completes (at most 30 s) and rethrows what it threw,
// so a test's assertions can live inside a coroutine.
template <class F>
void run_test(asio::io_context& io, F body) {
  std::exception_ptr err;
  bool done = false;
  asio::co_spawn(io, body(), [&](std::exception_ptr e) {
    err = e;
    done = true;
    io.stop();
  });
  io.run_for(std::chrono::seconds(30));
  REQUIRE(done);
  if (err) std::rethrow_exception(err);
}

}  // namespace dav115::test

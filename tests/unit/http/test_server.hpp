#pragma once
// An in-process Server on 127.0.0.1:<ephemeral> with two io_contexts of one thread each, and a handler
// that echoes what it saw, streams generated bodies, throws, or waits, depending on the path.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <atomic>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "dav115/http/password_hash.hpp"
#include "dav115/http/server.hpp"

namespace dav115::test {

// Deterministic bytes, so a streamed body can be checked end to end.
inline char pattern_byte(std::size_t i) { return static_cast<char>('a' + (i * 7 + i / 251) % 26); }
inline std::string pattern(std::size_t n) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = pattern_byte(i);
  return s;
}

class PatternSource : public util::BodySource {
 public:
  explicit PatternSource(std::size_t total) : total_(total) {}
  boost::asio::awaitable<std::size_t> read(boost::asio::mutable_buffer buf) override {
    // Small pieces: many reads and writes, so the serializer loop is really exercised.
    std::size_t n = std::min({buf.size(), total_ - sent_, std::size_t(10007)});
    auto* p = static_cast<char*>(buf.data());
    for (std::size_t i = 0; i < n; ++i) p[i] = pattern_byte(sent_ + i);
    sent_ += n;
    co_return n;
  }

 private:
  std::size_t total_, sent_ = 0;
};

inline config::Config test_config() {
  config::Config cfg;
  cfg.listen.push_back({false, "127.0.0.1", 0});
  cfg.users.push_back({"alice", http::hash_password("secret", 1000)});
  cfg.access_log = "";  // keep test output readable
  cfg.limits.max_connections = 64;
  cfg.limits.max_header_bytes = 4096;
  cfg.limits.max_request_line_bytes = 1024;
  cfg.limits.max_propfind_body_bytes = 1024;
  cfg.limits.max_other_body_bytes = 0;
  cfg.limits.header_timeout = std::chrono::seconds(1);
  cfg.limits.idle_timeout = std::chrono::seconds(5);
  cfg.auth.max_failures = 3;
  cfg.auth.realm = "testrealm";
  return cfg;
}

struct TestServer {
  // As in the gateway: two io_contexts, one thread each; connections are dealt out over both.
  boost::asio::io_context ioc{1};
  boost::asio::io_context second{1};
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work{ioc.get_executor()};
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> second_work{
      second.get_executor()};
  std::atomic<bool> healthy{true};
  std::promise<void> slow_entered;  // set when a /slow request reaches the handler
  std::promise<void> hang_entered;    // set when a /hang request reaches the handler
  std::promise<void> hang_cancelled;  // set when that handler's wait is cancelled
  std::unique_ptr<http::Server> server;
  std::vector<std::thread> threads;

  explicit TestServer(config::Config cfg = test_config(), http::PublicPathPredicate public_paths = {},
                      http::MethodRefusal refusal = {}, http::RequestHandler admin = {}) {
    server = std::make_unique<http::Server>(
        ioc, cfg, [this](util::HttpRequest& req) { return handle(req); },
        [this] { return std::pair<bool, std::string>(healthy.load(), healthy ? "{\"ok\":true}" : "{\"ok\":false}"); },
        std::vector<boost::asio::io_context*>{&ioc, &second});
    if (public_paths) server->set_public_paths(std::move(public_paths));
    if (refusal) server->set_method_refusal(std::move(refusal));
    if (admin) server->set_admin_handler(std::move(admin));
    server->start();
    threads.emplace_back([this] { ioc.run(); });
    threads.emplace_back([this] { second.run(); });
  }
  ~TestServer() {
    server.reset();
    work.reset();
    second_work.reset();
    ioc.stop();
    second.stop();
    for (auto& t : threads) t.join();
  }
  std::uint16_t port(std::size_t i = 0) const { return server->bound_ports().at(i); }

  boost::asio::awaitable<util::HttpResponse> handle(util::HttpRequest& req) {
    const std::string& t = req.target;
    if (t.rfind("/stream/", 0) == 0 || t.rfind("/chunked/", 0) == 0) {
      std::size_t n = std::stoul(t.substr(t.find('/', 1) + 1));
      util::HttpResponse r;
      r.stream = std::make_shared<PatternSource>(n);
      if (t[1] == 's') r.set("Content-Length", std::to_string(n));
      r.set("Content-Type", "application/octet-stream");
      co_return r;
    }
    if (t == "/throw") throw std::runtime_error("handler exploded");
    if (t == "/hang") {  // waits (for minutes) until cancelled, the way a request queued for 115 does
      hang_entered.set_value();
      boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor, std::chrono::minutes(10));
      auto [ec] = co_await timer.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
      if (ec == boost::asio::error::operation_aborted) hang_cancelled.set_value();
      throw boost::system::system_error(ec ? ec : make_error_code(boost::asio::error::timed_out));
    }
    if (t == "/slow") {
      slow_entered.set_value();
      boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor, std::chrono::milliseconds(300));
      co_await timer.async_wait(boost::asio::use_awaitable);
    }
    co_return util::text_response(200, req.method + " " + t + " user=" + req.user + " body=" + req.body +
                                           " secure=" + (req.secure ? "1" : "0"));
  }
};

inline std::string basic(const std::string& user, const std::string& password) {
  return "Authorization: Basic " + http::base64_encode(user + ":" + password) + "\r\n";
}

// A request with Host and the given extra header lines (each ending in \r\n) and body.
inline std::string request(const std::string& method, const std::string& target, const std::string& extra = "",
                           const std::string& body = "") {
  std::string r = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extra;
  if (!body.empty()) r += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  return r + "\r\n" + body;
}

}  // namespace dav115::test

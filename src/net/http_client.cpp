#include "dav115/net/http_client.hpp"

#include <boost/asio/ssl/context.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/version.hpp>

#include "dav115/net/connection.hpp"

namespace dav115::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;

struct HttpClient::Impl {
  Impl(asio::any_io_executor ex, const ClientOptions& opts)
      : ex(std::move(ex)), tls_ctx(make_client_tls_context(opts.verify_tls, opts.ca_file)), pool(opts.max_idle_per_origin, opts.idle_keepalive) {}
  asio::any_io_executor ex;
  asio::ssl::context tls_ctx;
  ConnectionPool pool;
};

HttpClient::HttpClient(asio::any_io_executor ex, ClientOptions opts)
    : impl_(std::make_shared<Impl>(std::move(ex), opts)) {}

HttpClient::~HttpClient() { impl_->pool.clear(); }

asio::awaitable<Response> HttpClient::request(Request req) {
  auto impl = impl_;  // keeps the pool and TLS context alive for the whole coroutine
  ParsedUrl url;
  try {
    url = parse_url(req.url);
  } catch (const std::invalid_argument& e) {
    throw TransportError(e.what());
  }
  Origin origin{url.tls, url.host, url.port};
  const auto deadline = Clock::now() + req.timeout;

  http::request<http::string_body> msg;
  msg.method_string(req.method);
  msg.target(url.target);
  msg.version(11);
  msg.set(http::field::host, host_header(url));
  for (const auto& [k, v] : req.headers) msg.insert(k, v);
  const bool has_payload = !req.body.empty() || req.method == "POST" || req.method == "PUT";
  msg.body() = std::move(req.body);  // an upload part can be 20 MiB: never copied (a retry resends msg)
  if (has_payload) msg.prepare_payload();

  // A parked connection may have been closed by the server in the meantime. If it fails before any byte
  // of the response arrives, the server most likely never saw the request, but it may have processed it
  // and died before answering: only an idempotent request is sent again, once, on a fresh connection.
  for (int attempt = 0;; ++attempt) {
    std::unique_ptr<Connection> conn = attempt == 0 ? impl->pool.take(origin) : nullptr;
    const bool reused = conn != nullptr;
    if (!conn) {
      conn = std::make_unique<Connection>(impl->ex, impl->tls_ctx, origin);
      co_await conn->connect(deadline);
    }
    http::response_parser<http::string_body> parser;
    parser.header_limit(64 * 1024);
    parser.body_limit(req.max_response_bytes);
    if (req.method == "HEAD") parser.skip(true);
    try {
      conn->expires_at(deadline);
      co_await conn->write(msg);
      co_await conn->read(parser);
    } catch (const boost::system::system_error& e) {
      conn->close();
      if (reused && req.is_idempotent() && !parser.got_some() && e.code() != beast::error::timeout) continue;
      if (e.code() == http::error::body_limit) throw TransportError("response body exceeds the limit");
      throw TransportError(req.method + " " + origin.key() + ": " + e.code().message());
    }
    auto res = parser.release();
    Response out;
    out.status = res.result_int();
    for (const auto& f : res) out.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
    out.body = std::move(res.body());
    if (res.keep_alive() && !res.need_eof()) impl->pool.give_back(std::move(conn));
    else conn->close();
    co_return out;
  }
}

}  // namespace dav115::net

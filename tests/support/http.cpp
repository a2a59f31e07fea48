#include "support/http.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

#include <optional>
#include <strings.h>

namespace dav115::test {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;

std::string HttpResult::header(const std::string& name) const {
  for (const auto& [k, v] : headers)
    if (::strcasecmp(k.c_str(), name.c_str()) == 0) return v;
  return "";
}

bool HttpResult::has_header(const std::string& name) const {
  for (const auto& [k, v] : headers)
    if (::strcasecmp(k.c_str(), name.c_str()) == 0) return true;
  return false;
}

std::string url_encode(const std::string& s) { return boost::urls::encode(s, boost::urls::unreserved_chars); }

std::string form_encode(const HttpHeaders& fields) {
  std::string out;
  for (const auto& [k, v] : fields) {
    if (!out.empty()) out += '&';
    out += url_encode(k) + "=" + url_encode(v);
  }
  return out;
}

struct HttpConnection::Impl {
  std::string host, port;
  asio::io_context ioc;
  std::optional<beast::tcp_stream> stream;
  beast::flat_buffer buffer;
  int opened = 0;

  asio::awaitable<HttpResult> exchange(std::string method, std::string target, HttpHeaders headers, std::string body,
                                       HttpOptions opts) {
    const auto timeout = std::chrono::duration_cast<std::chrono::steady_clock::duration>(opts.timeout);
    if (!stream) {
      asio::ip::tcp::resolver resolver(ioc);
      auto endpoints = co_await resolver.async_resolve(host, port, asio::use_awaitable);
      stream.emplace(ioc);
      stream->expires_after(timeout);
      co_await stream->async_connect(endpoints, asio::use_awaitable);
      buffer.clear();
      ++opened;
    }
    bhttp::request<bhttp::string_body> req{bhttp::string_to_verb(method), target, 11};
    if (req.method() == bhttp::verb::unknown) req.method_string(method);
    req.set(bhttp::field::host, host + ":" + port);
    for (const auto& [k, v] : headers) req.set(k, v);
    if (!body.empty() || method == "POST" || method == "PUT") {
      req.body() = body;
      req.prepare_payload();
    }
    stream->expires_after(timeout);
    co_await bhttp::async_write(*stream, req, asio::use_awaitable);

    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(opts.body_limit);
    if (method == "HEAD") parser.skip(true);
    co_await bhttp::async_read_header(*stream, buffer, parser, asio::use_awaitable);
    HttpResult result;
    bool ok = true;
    try {
      if (!parser.is_done()) co_await bhttp::async_read(*stream, buffer, parser, asio::use_awaitable);
    } catch (const boost::system::system_error& e) {
      if (!opts.allow_truncated) throw;
      ok = false;
    }
    auto& res = parser.get();
    result.status = res.result_int();
    for (const auto& f : res) result.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
    result.body = std::move(res.body());
    result.truncated = !ok;
    result.keep_alive = ok && res.keep_alive();
    if (!result.keep_alive) {
      beast::error_code ec;
      stream->socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
      stream.reset();
    }
    co_return result;
  }
};

HttpConnection::HttpConnection(const std::string& base_url) : impl_(std::make_unique<Impl>()) {
  auto u = boost::urls::parse_uri(base_url);
  if (!u || u->scheme() != "http") throw HttpError("not an http:// URL: " + base_url);
  impl_->host = u->host();
  impl_->port = u->has_port() ? std::string(u->port()) : "80";
}

HttpConnection::~HttpConnection() = default;

int HttpConnection::connections_opened() const { return impl_->opened; }

HttpResult HttpConnection::request(const std::string& method, const std::string& target, const HttpHeaders& headers,
                                   const std::string& body, HttpOptions opts) {
  std::optional<HttpResult> result;
  std::exception_ptr error;
  asio::co_spawn(impl_->ioc, impl_->exchange(method, target, headers, body, opts),
                 [&](std::exception_ptr e, HttpResult r) {
                   if (e)
                     error = e;
                   else
                     result = std::move(r);
                 });
  impl_->ioc.restart();
  impl_->ioc.run();
  if (error) {
    impl_->stream.reset();  // the connection is in an unknown state
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& e) {
      throw HttpError(method + " " + target + ": " + e.what());
    }
  }
  return std::move(*result);
}

HttpResult http(const std::string& method, const std::string& url, const HttpHeaders& headers, const std::string& body,
                HttpOptions opts) {
  auto u = boost::urls::parse_uri(url);
  if (!u) throw HttpError("bad URL: " + url);
  std::string target = u->encoded_path().empty() ? "/" : std::string(u->encoded_path());
  if (u->has_query()) target += "?" + std::string(u->encoded_query());
  HttpConnection conn(std::string(u->scheme()) + "://" + std::string(u->encoded_authority()));
  return conn.request(method, target, headers, body, opts);
}

}  // namespace dav115::test

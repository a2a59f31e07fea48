// All of delivery's Beast code lives here.
#include "dav115/delivery/cdn_connection.hpp"

#include <boost/asio/ssl/context.hpp>
#include <boost/asio/this_coro.hpp>
#include <map>
#include <mutex>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/error.hpp>

#include "dav115/net/connection.hpp"
#include "dav115/net/http_client.hpp"

namespace dav115::delivery {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;

struct CdnClient::Impl {
  CdnOptions opts;
  asio::ssl::context tls_ctx;
  // One pool per I/O context: a CDN connection is opened on the context of the request that needs it and
  // only reused there, so a stream's reads complete on the thread that writes them to the client (no
  // hand-off between threads per chunk).
  std::mutex pools_mu;
  std::map<const void*, std::unique_ptr<net::ConnectionPool>> pools;
  explicit Impl(CdnOptions o)
      : opts(std::move(o)),
        tls_ctx(net::make_client_tls_context(opts.verify_tls, opts.ca_file)) {}

  net::ConnectionPool& pool_for(const asio::any_io_executor& executor) {
    const void* context = &asio::query(executor, asio::execution::context);
    std::lock_guard lk(pools_mu);
    auto& pool = pools[context];
    if (!pool) pool = std::make_unique<net::ConnectionPool>(opts.max_idle_per_origin, opts.idle_keepalive);
    return *pool;
  }
};

struct CdnStream::Impl {
  std::shared_ptr<CdnClient::Impl> client;
  net::ConnectionPool* pool = nullptr;  // where the connection goes back (its context's), owned by `client`
  std::unique_ptr<net::Connection> conn;
  http::response_parser<http::buffer_body> parser;
  bool failed = false;
};

CdnStream::CdnStream(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

CdnStream::~CdnStream() {
  if (!impl_ || !impl_->conn) return;
  if (!impl_->failed && impl_->parser.is_done() && impl_->parser.keep_alive()) {
    impl_->pool->give_back(std::move(impl_->conn));
  } else {
    impl_->conn->close();  // a client that went away stops the upstream transfer here
  }
}

unsigned CdnStream::status() const { return impl_->parser.get().result_int(); }

std::string CdnStream::content_range() const {
  auto it = impl_->parser.get().find(http::field::content_range);
  return it == impl_->parser.get().end() ? std::string() : std::string(it->value());
}

std::optional<std::uint64_t> CdnStream::content_length() const {
  auto n = impl_->parser.content_length();
  if (!n) return std::nullopt;
  return static_cast<std::uint64_t>(*n);
}

bool CdnStream::done() const { return impl_->parser.is_done(); }

asio::awaitable<std::size_t> CdnStream::read_some(asio::mutable_buffer buf) {
  auto& p = impl_->parser;
  if (p.is_done() || buf.size() == 0) co_return 0;
  impl_->conn->expires_at(net::Clock::now() + impl_->client->opts.read_timeout);
  p.get().body().data = buf.data();
  p.get().body().size = buf.size();
  try {
    co_await impl_->conn->read_some(p);
  } catch (const boost::system::system_error& e) {
    // need_buffer only says our buffer is full: the normal outcome of a partial read.
    if (e.code() != http::error::need_buffer) {
      impl_->failed = true;
      throw net::TransportError("CDN body read failed: " + e.code().message());
    }
  }
  std::size_t n = buf.size() - p.get().body().size;
  if (n == 0 && !p.is_done()) {
    impl_->failed = true;
    throw net::TransportError("CDN body read made no progress");
  }
  co_return n;
}

CdnClient::CdnClient(CdnOptions opts) : impl_(std::make_shared<Impl>(std::move(opts))) {}
CdnClient::~CdnClient() = default;

std::size_t CdnClient::idle_connections() const {
  std::lock_guard lk(impl_->pools_mu);
  std::size_t n = 0;
  for (const auto& [context, pool] : impl_->pools) n += pool->idle_count();
  return n;
}

asio::awaitable<std::unique_ptr<CdnStream>> CdnClient::get(const std::string& url, const std::string& user_agent,
                                                           std::uint64_t first, std::optional<std::uint64_t> last) {
  auto parsed = net::parse_url(url);
  net::Origin origin{parsed.tls, parsed.host, parsed.port};

  http::request<http::string_body> req{http::verb::get, parsed.target, 11};
  req.set(http::field::host, net::host_header(parsed));
  req.set(http::field::user_agent, user_agent);
  req.set(http::field::range,
          "bytes=" + std::to_string(first) + "-" + (last ? std::to_string(*last) : std::string()));
  req.set(http::field::accept_encoding, "identity");
  req.keep_alive(true);

  // A pooled connection may have been closed by the CDN while idle: one retry on a fresh one.
  const asio::any_io_executor here = co_await asio::this_coro::executor;
  net::ConnectionPool& pool = impl_->pool_for(here);
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto conn = pool.take(origin);
    bool reused = conn != nullptr;
    if (!conn) {
      conn = std::make_unique<net::Connection>(here, impl_->tls_ctx, origin);
      co_await conn->connect(net::Clock::now() + impl_->opts.connect_timeout);
    }
    auto impl = std::make_unique<CdnStream::Impl>();
    impl->client = impl_;
    impl->pool = &pool;
    impl->parser.body_limit(boost::none);  // files are any size; the caller bounds what it reads
    try {
      conn->expires_at(net::Clock::now() + impl_->opts.read_timeout);
      co_await conn->write(req);
      co_await conn->read_header(impl->parser);
    } catch (const boost::system::system_error& e) {
      conn->close();
      if (reused) continue;
      throw net::TransportError("CDN request failed: " + e.code().message());
    }
    impl->conn = std::move(conn);
    co_return std::make_unique<CdnStream>(std::move(impl));
  }
  throw net::TransportError("CDN request failed on a reused and a fresh connection");
}

}  // namespace dav115::delivery

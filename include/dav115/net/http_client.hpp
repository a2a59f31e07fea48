#pragma once
// Outbound HTTP(S) client for the 115 API hosts and the CDN: coroutine API, keep-alive connection pool
// per origin, TLS with certificate verification (OpenSSL), a deadline on every operation.
// It knows nothing of 115 or WebDAV.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace dav115::net {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct Request {
  std::string method = "GET";
  std::string url;          // absolute http:// or https:// URL
  Headers headers;          // sent as given (Host, Content-Length are added by the client)
  std::string body;
  std::chrono::milliseconds timeout{20000};  // whole exchange: connect + write + read
  std::size_t max_response_bytes = 32 * 1024 * 1024;
  // Whether sending it twice is harmless. A request that failed on a reused keep-alive connection before
  // any response byte arrived may or may not have been processed; only an idempotent one is sent again.
  // Unset: GET and HEAD are, everything else (POST /open/refreshToken rotates the token) is not.
  std::optional<bool> idempotent;
  bool is_idempotent() const { return idempotent.value_or(method == "GET" || method == "HEAD"); }
};

struct Response {
  unsigned status = 0;
  Headers headers;
  std::string body;
  // First header value with this name (case-insensitive), or empty.
  std::string header(std::string_view name) const;
};

// Connection refused, reset, TLS failure, timeout, malformed response: no usable HTTP answer.
struct TransportError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct ClientOptions {
  bool verify_tls = true;
  std::string ca_file;                 // extra CA bundle; empty = system default paths
  std::size_t max_idle_per_origin = 8;
  std::chrono::seconds idle_keepalive{30};
};

class HttpClient {
 public:
  HttpClient(boost::asio::any_io_executor ex, ClientOptions opts = {});
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends the request and reads the whole response (bounded by max_response_bytes).
  // Throws TransportError. HTTP error statuses are returned, not thrown.
  boost::asio::awaitable<Response> request(Request req);

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

// Splits "https://host:port/path?query" into its parts; throws std::invalid_argument on a bad URL.
struct ParsedUrl {
  bool tls = false;
  std::string host;
  std::string port;  // always set ("443"/"80" by default)
  std::string target;  // path + query, at least "/"
};
ParsedUrl parse_url(const std::string& url);
// The Host header value for a parsed URL: brackets around IPv6 literals, the port only when not the default.
std::string host_header(const ParsedUrl& url);

// application/x-www-form-urlencoded encoding of key/value pairs.
std::string form_encode(const Headers& fields);

}  // namespace dav115::net

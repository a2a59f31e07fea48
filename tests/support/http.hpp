#pragma once
// A small blocking HTTP/1.1 client for tests (Beast underneath), one request per call or over a kept-alive
// connection. Transport failures throw HttpError; HTTP error statuses are returned.
#include <chrono>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace dav115::test {

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

struct HttpOptions {
  std::chrono::milliseconds timeout{10000};  // the whole exchange
  std::uint64_t body_limit = 256ull * 1024 * 1024;
  // A connection cut in the middle of the body gives a result with truncated = true (instead of throwing).
  bool allow_truncated = false;
};

struct HttpResult {
  unsigned status = 0;
  HttpHeaders headers;
  std::string body;
  bool truncated = false;   // the body ended early (allow_truncated only)
  bool keep_alive = false;  // the server will keep the connection open
  // First value of the header (case-insensitive name), or "".
  std::string header(const std::string& name) const;
  bool has_header(const std::string& name) const;
};

struct HttpError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// One request on a fresh connection. `url` is absolute ("http://127.0.0.1:PORT/path?query").
HttpResult http(const std::string& method, const std::string& url, const HttpHeaders& headers = {},
                const std::string& body = "", HttpOptions opts = {});

// A kept-alive connection to one origin ("http://127.0.0.1:PORT"). Reconnects after the server closes.
class HttpConnection {
 public:
  explicit HttpConnection(const std::string& base_url);
  ~HttpConnection();
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;
  // `target` is origin-form ("/path?query"). Throws HttpError.
  HttpResult request(const std::string& method, const std::string& target, const HttpHeaders& headers = {},
                     const std::string& body = "", HttpOptions opts = {});
  // How many TCP connections this object has opened so far (1 while keep-alive works).
  int connections_opened() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// "a=1&b=x%20y": application/x-www-form-urlencoded / query encoding.
std::string form_encode(const HttpHeaders& fields);
// Percent-encodes one path segment or query value.
std::string url_encode(const std::string& s);

}  // namespace dav115::test

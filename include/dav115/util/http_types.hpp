#pragma once
// Protocol-neutral request/response structs passed between the server (http/) and the handlers
// (webdav/, delivery/). They keep Beast's templates out of the handler layers.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace dav115::util {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// Case-insensitive ASCII comparison of header names.
bool iequals(std::string_view a, std::string_view b);

// A request body read piece by piece (PUT) instead of being held in HttpRequest::body.
class BodyReader {
 public:
  virtual ~BodyReader() = default;
  // Fills `buf` with up to buf.size() bytes and returns how many; 0 once the whole body was read.
  // The first call sends "100 Continue" when the client asked for it, so a handler that answers
  // (401, 403, 412, 507...) without reading never makes the client send the body. Throws BodyReadError.
  virtual boost::asio::awaitable<std::size_t> read(boost::asio::mutable_buffer buf) = 0;
  // The declared Content-Length; nullopt for a chunked body.
  virtual std::optional<std::uint64_t> content_length() const = 0;
};

// The body could not be read. `status` is what to answer if the client is still there: 413 over the
// size limit, 400 malformed framing, 408 timed out or gone.
struct BodyReadError : std::runtime_error {
  BodyReadError(unsigned status, const std::string& what) : std::runtime_error(what), status(status) {}
  unsigned status;
};

struct HttpRequest {
  std::string method;      // upper case as received ("PROPFIND")
  std::string target;      // raw request-target, still percent-encoded ("/dav/a%20b/?x=1")
  HeaderList headers;
  std::string body;
  // Set instead of `body` for methods whose body is streamed (PUT); valid only during the handler.
  std::shared_ptr<BodyReader> body_reader;
  std::string client_address;  // peer IP, for logs and rate limits
  std::string user;            // authenticated user name ("" when anonymous)
  bool secure = false;         // arrived over TLS
  // First value of the header, or nullopt.
  std::optional<std::string_view> header(std::string_view name) const;
};

// A response body produced piece by piece (proxied downloads). read() fills `buf` with up to
// buf.size() bytes and returns how many; 0 means the body is complete. It may throw to abort the
// response (the connection is then closed, since the status line is already sent).
class BodySource {
 public:
  virtual ~BodySource() = default;
  virtual boost::asio::awaitable<std::size_t> read(boost::asio::mutable_buffer buf) = 0;
};

struct HttpResponse {
  unsigned status = 200;
  HeaderList headers;
  std::string body;                      // used when `stream` is null
  std::shared_ptr<BodySource> stream;    // streamed body; Content-Length must then be set in headers
  bool head_only = false;                // HEAD: send headers (incl. Content-Length) but no body

  HttpResponse& set(std::string name, std::string value);  // replaces an existing header of that name
  std::optional<std::string_view> header(std::string_view name) const;
};

// A small response with a text/plain body and the given status.
HttpResponse text_response(unsigned status, std::string body);

}  // namespace dav115::util

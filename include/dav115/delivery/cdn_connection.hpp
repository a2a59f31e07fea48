#pragma once
// Streaming GET against the CDN: status and headers first, then the body piece by piece into the
// caller's buffer (net::HttpClient only buffers whole responses). Connections come from a small
// keep-alive pool per origin and go back to it only after a body was read to its end.
// The request carries only what we put in it (User-Agent, Range): never a client's Authorization/Cookie.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace dav115::delivery {

struct CdnOptions {
  bool verify_tls = true;
  std::string ca_file;                      // extra CA bundle; empty = system store
  std::chrono::seconds connect_timeout{15};
  std::chrono::seconds read_timeout{30};    // no progress for this long = a failed connection
  std::size_t max_idle_per_origin = 4;
  std::chrono::seconds idle_keepalive{30};
};

class CdnStream {
 public:
  struct Impl;
  explicit CdnStream(std::unique_ptr<Impl> impl);
  ~CdnStream();  // closes the connection unless the body was fully read and keep-alive allowed
  CdnStream(const CdnStream&) = delete;
  CdnStream& operator=(const CdnStream&) = delete;

  unsigned status() const;
  std::string content_range() const;                   // "" when absent
  std::optional<std::uint64_t> content_length() const;
  // Reads up to buffer_size(buf) body bytes; 0 once the body is complete. Throws on transport errors
  // (including the peer closing before Content-Length bytes arrived).
  boost::asio::awaitable<std::size_t> read_some(boost::asio::mutable_buffer buf);
  bool done() const;

 private:
  std::unique_ptr<Impl> impl_;
};

class CdnClient {
 public:
  // Connections are opened on the executor of the coroutine that asks for them (one pool per I/O context).
  explicit CdnClient(CdnOptions opts);
  ~CdnClient();

  // GET `url` with `user_agent` and "Range: bytes=first-[last]". The caller has vetted the URL.
  // Throws net::TransportError (or std::invalid_argument for a bad URL).
  boost::asio::awaitable<std::unique_ptr<CdnStream>> get(const std::string& url, const std::string& user_agent,
                                                         std::uint64_t first, std::optional<std::uint64_t> last);
  std::size_t idle_connections() const;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace dav115::delivery

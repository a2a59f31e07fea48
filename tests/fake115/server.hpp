#pragma once
// The HTTP/1.1 server: one coroutine per connection (keep-alive), routing to the passport and proapi
// handlers, the CDN and the control endpoints, applying latency, faults, rate limits and auth on the way.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <cstdint>
#include <memory>
#include <string>

namespace boost::asio::ssl {
class context;
}

#include "emulator.hpp"

namespace dav115::fake115 {

// A PEM certificate chain and its key: the server speaks TLS (HTTPS) when set.
struct TlsFiles {
  std::string cert_file, key_file;
};

class Server {
 public:
  // Binds and listens at once (so the chosen port is known); throws on failure.
  Server(Emulator& emu, boost::asio::io_context& ioc, const std::string& listen, const TlsFiles& tls = {});
  ~Server();
  std::uint16_t port() const;
  std::string host() const;
  void start();  // spawns the accept loop

 private:
  Emulator& emu_;
  boost::asio::io_context& ioc_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::unique_ptr<boost::asio::ssl::context> tls_;
};

}  // namespace dav115::fake115

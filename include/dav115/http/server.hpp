#pragma once
// The network front of the gateway: accepts HTTP/1.1 and HTTPS connections, enforces limits and
// timeouts, authenticates, answers /healthz and /metrics, lets only admin users reach /admin/, logs
// and counts every request, and hands everything else to the RequestHandler as a protocol-neutral
// util::HttpRequest.
// Beast stays inside src/http/.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>
#include <string>
#include <utility>
#include <vector>

#include "dav115/config/config.hpp"
#include "dav115/util/http_types.hpp"

namespace dav115::http {

using RequestHandler = std::function<boost::asio::awaitable<util::HttpResponse>(util::HttpRequest&)>;
using HealthProvider = std::function<std::pair<bool, std::string>()>;  // (healthy, JSON text) for /healthz
// A method the handlers never serve gets this response straight after its head is read, before any body:
// a client PUTting a large file learns "405" rather than "413". nullopt = serve normally.
using MethodRefusal = std::function<std::optional<util::HttpResponse>(std::string_view method)>;
// Says whether a request target carries its own credential (a signed URL) and so needs no Basic auth.
using PublicPathPredicate = std::function<bool(std::string_view target)>;

class Server {
 public:
  // The config is copied. Listeners run on `ioc`; each connection lives on one of `session_contexts`
  // (dealt out in turn; empty = `ioc`), and the handler is called on its context. Each session context
  // must be run by exactly one thread: a connection's operations then never cross threads.
  Server(boost::asio::io_context& ioc, const config::Config& cfg, RequestHandler handler, HealthProvider health,
         std::vector<boost::asio::io_context*> session_contexts = {});
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Targets for which `pred` holds skip Basic auth; the handler must check their own credential.
  // Call before start().
  void set_public_paths(PublicPathPredicate pred);
  void set_method_refusal(MethodRefusal refusal);  // call before start()
  // Requests for /admin and below (at the host root, whatever mount_path) go to `admin` instead of the
  // handler, after Basic auth by a user with `admin: true`: never anonymous, even with allow_anonymous
  // (401 with the challenge); other users get 403. Unset = no admin page. Call before start().
  void set_admin_handler(RequestHandler admin);
  void start();                                    // binds every cfg.listen address; throws std::runtime_error
  std::vector<std::uint16_t> bound_ports() const;  // actual ports (listen port 0 = ephemeral), in cfg.listen order
  // Stop accepting, let in-flight requests finish (up to `grace`), close idle keep-alive connections.
  boost::asio::awaitable<void> drain(std::chrono::seconds grace);
  std::size_t active_connections() const;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace dav115::http

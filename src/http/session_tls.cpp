// HTTPS connections (the Session template instantiated for a TLS stream over TCP).
#include "session_impl.hpp"

namespace dav115::http::detail {

asio::awaitable<void> run_tls_session(std::shared_ptr<Server::Impl> impl, SessionSocket socket, std::string peer,
                                      std::shared_ptr<asio::cancellation_signal> cancel) {
  auto s = std::make_shared<Session<TlsStream>>(impl, std::move(peer), std::move(cancel), std::move(socket), *impl->tls);
  co_await s->run();
}

}  // namespace dav115::http::detail

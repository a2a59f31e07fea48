// Plain-HTTP connections (the Session template instantiated for a TCP stream).
#include "session_impl.hpp"

namespace dav115::http::detail {

asio::awaitable<void> run_plain_session(std::shared_ptr<Server::Impl> impl, SessionSocket socket, std::string peer,
                                        std::shared_ptr<asio::cancellation_signal> cancel) {
  auto s = std::make_shared<Session<PlainStream>>(impl, std::move(peer), std::move(cancel), std::move(socket));
  co_await s->run();
}

}  // namespace dav115::http::detail

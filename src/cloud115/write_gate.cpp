#include "write_gate.hpp"

#include <boost/asio/use_awaitable.hpp>

namespace dav115::cloud115 {

namespace asio = boost::asio;

WriteGate::WriteGate(asio::any_io_executor ex) : ch_(std::make_shared<Channel>(std::move(ex), 1)) {
  ch_->try_send(boost::system::error_code{});  // the one token: the gate starts open
}

WriteGate::Turn::~Turn() {
  // Gives the token back: straight to the longest waiter, or into the buffer when nobody waits.
  if (ch_) ch_->try_send(boost::system::error_code{});
}

asio::awaitable<WriteGate::Turn> WriteGate::enter() {
  auto ch = ch_;
  co_await ch->async_receive(asio::use_awaitable);
  co_return Turn(ch);
}

}  // namespace dav115::cloud115

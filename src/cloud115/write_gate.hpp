#pragma once
// One-at-a-time admission for copy, move and delete: 115 asks clients not to run them concurrently
// (115-open-api.md §3.7, §3.10). A coroutine waits its turn without blocking a thread; turns are handed
// out in arrival order. The single token lives in a thread-safe channel, so the gate works from any
// thread of a multi-threaded executor without a strand.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>
#include <memory>

namespace dav115::cloud115 {

class WriteGate {
  using Channel = boost::asio::experimental::concurrent_channel<void(boost::system::error_code)>;

 public:
  explicit WriteGate(boost::asio::any_io_executor ex);

  // Holding a Turn means it is our turn; dropping it (also by an exception) lets the next one in.
  class Turn {
   public:
    explicit Turn(std::shared_ptr<Channel> ch) : ch_(std::move(ch)) {}
    Turn(Turn&& o) noexcept = default;
    Turn& operator=(Turn&&) = delete;
    Turn(const Turn&) = delete;
    ~Turn();

   private:
    std::shared_ptr<Channel> ch_;
  };

  boost::asio::awaitable<Turn> enter();

 private:
  std::shared_ptr<Channel> ch_;
};

}  // namespace dav115::cloud115

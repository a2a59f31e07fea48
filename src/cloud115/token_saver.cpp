#include "dav115/cloud115/token_saver.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <mutex>
#include <optional>

namespace dav115::cloud115 {

namespace asio = boost::asio;

struct TokenSaver::State {
  asio::strand<asio::any_io_executor> strand;
  std::filesystem::path file;
  std::function<void(const std::filesystem::path&, const store::TokenRecord&)> save_fn;
  std::mutex mu;  // guards newest_saved (jobs run on the strand, but a pool may be multi-threaded)
  std::optional<std::uint64_t> newest_saved;

  State(asio::any_io_executor ex, BlockingWork work, std::filesystem::path f)
      : strand(asio::make_strand(std::move(ex))),
        file(std::move(f)),
        save_fn(work.save_tokens ? std::move(work.save_tokens) : store::save_token_record) {}

  void save_now(const store::TokenRecord& rec) {
    {
      std::lock_guard lk(mu);
      if (newest_saved && rec.generation < *newest_saved) return;
    }
    save_fn(file, rec);
    std::lock_guard lk(mu);
    if (!newest_saved || rec.generation > *newest_saved) newest_saved = rec.generation;
  }
};

TokenSaver::TokenSaver(BlockingWork work, std::filesystem::path file)
    : own_pool_(work.executor ? nullptr : std::make_unique<asio::thread_pool>(1)) {
  asio::any_io_executor ex = work.executor ? work.executor : asio::any_io_executor(own_pool_->get_executor());
  state_ = std::make_shared<State>(std::move(ex), std::move(work), std::move(file));
}

TokenSaver::~TokenSaver() {
  if (own_pool_) own_pool_->join();
}

const std::filesystem::path& TokenSaver::file() const { return state_->file; }

asio::any_io_executor TokenSaver::executor() const { return state_->strand.get_inner_executor(); }

asio::awaitable<void> TokenSaver::save(store::TokenRecord rec) {
  auto st = state_;
  // Named, then awaited in its own statement (GCC 12 coroutine bug with temporaries, PR 99576).
  auto job = [st, rec]() -> asio::awaitable<void> {
    st->save_now(rec);
    co_return;
  };
  auto done = asio::co_spawn(st->strand, job, asio::use_awaitable);
  co_await std::move(done);
}

}  // namespace dav115::cloud115

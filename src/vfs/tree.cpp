#include "tree_impl.hpp"

namespace dav115::vfs {

Tree::Tree(asio::any_io_executor ex, cloud115::Api& api, const config::Config& cfg, Clock clock,
           std::shared_ptr<store::MetadataIndexAsync> index)
    : impl_(std::make_shared<Impl>(std::move(ex), api, cfg, std::move(clock), std::move(index))) {}

Tree::~Tree() = default;

asio::awaitable<std::optional<Node>> Tree::stat(std::vector<std::string> segments, Deadline deadline) {
  auto impl = impl_;
  auto resolving = impl->stat(std::move(segments), deadline);
  co_return co_await std::move(resolving);
}

asio::awaitable<std::shared_ptr<const Listing>> Tree::list(Node dir, Deadline deadline) {
  auto impl = impl_;
  auto listing = impl->list(std::move(dir), deadline);
  co_return co_await std::move(listing);
}

asio::awaitable<Quota> Tree::quota(Deadline deadline) {
  auto impl = impl_;
  auto fetching = impl->quota(deadline);
  co_return co_await std::move(fetching);
}

asio::awaitable<std::optional<Quota>> Tree::quota_if_quick(std::chrono::milliseconds patience) {
  auto impl = impl_;
  auto asking = impl->quota_if_quick(patience);
  co_return co_await std::move(asking);
}

asio::awaitable<DownloadLink> Tree::download_link(Node file, std::string user_agent, Deadline deadline) {
  auto impl = impl_;
  auto minting = impl->download_link(std::move(file), std::move(user_agent), deadline);
  co_return co_await std::move(minting);
}

void Tree::invalidate(const std::string& folder_id) {
  impl_->cache.erase(folder_id);
  impl_->distrust_index(folder_id);
  impl_->publish_size();
}

const Node& Tree::root() const { return impl_->root; }

CacheStats Tree::stats() const {
  CacheStats s;
  s.hits = impl_->hits;
  s.misses = impl_->misses;
  s.stale_served = impl_->stale_served;
  s.revalidations = impl_->revalidations;
  s.revalidation_failures = impl_->revalidation_failures;
  s.folders_cached = impl_->cache.size();
  return s;
}

}  // namespace dav115::vfs

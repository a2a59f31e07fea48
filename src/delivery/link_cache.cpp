#include "dav115/delivery/link_cache.hpp"

#include "dav115/store/metadata_index_async.hpp"

namespace dav115::delivery {
namespace {
constexpr std::size_t kMaxEntries = 4096;  // bounds memory when many distinct (file, UA) pairs pass by
}

LinkCache::LinkCache(std::chrono::seconds margin, UnixClock clock, std::shared_ptr<store::MetadataIndexAsync> index)
    : margin_(margin), clock_(std::move(clock)), index_(std::move(index)) {
  if (!clock_)
    clock_ = [] {
      return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
    };
}

std::string LinkCache::key_of(const std::string& file_id, const std::string& user_agent) {
  return file_id + '\n' + user_agent;  // ids are digits: '\n' cannot be part of one
}

void LinkCache::store(const std::string& key, const vfs::DownloadLink& link) {
  std::int64_t now = clock_();
  std::int64_t until = link.expires_at > 0 ? link.expires_at - margin_.count() : now + kUndatedLinkLifetime;
  std::lock_guard lk(mu_);
  if (until <= now) {  // too short-lived to be worth keeping
    entries_.erase(key);
    return;
  }
  if (entries_.size() >= kMaxEntries) {
    for (auto it = entries_.begin(); it != entries_.end();) it = it->second.good_until <= now ? entries_.erase(it) : std::next(it);
    if (entries_.size() >= kMaxEntries) entries_.erase(entries_.begin());
  }
  entries_[key] = Entry{link, until};
}

void LinkCache::remember(const std::string& file_id, const std::string& user_agent, const vfs::DownloadLink& link) {
  // Undated links are kept a few minutes from when they were minted: not worth a restart.
  if (!index_ || link.expires_at - margin_.count() <= clock_()) return;
  index_->put_link(file_id, user_agent,
                   store::IndexLink{link.url, link.expires_at, link.max_connections, link.size, link.sha1});
}

boost::asio::awaitable<std::optional<vfs::DownloadLink>> LinkCache::from_index(const std::string& file_id,
                                                                               const std::string& user_agent) {
  if (!index_) co_return std::nullopt;
  auto reading = index_->get_link(file_id, user_agent);
  auto found = co_await std::move(reading);
  if (!found || found->expires_at - margin_.count() <= clock_()) co_return std::nullopt;
  co_return vfs::DownloadLink{found->url, user_agent, found->expires_at, found->max_connections, found->size,
                              found->sha1};
}

boost::asio::awaitable<vfs::DownloadLink> LinkCache::get(const std::string& file_id,
                                                              const std::string& user_agent, Mint mint,
                                                              std::chrono::steady_clock::time_point deadline) {
  std::string key = key_of(file_id, user_agent);
  {
    std::lock_guard lk(mu_);
    auto it = entries_.find(key);
    if (it != entries_.end()) {
      if (clock_() < it->second.good_until) co_return it->second.link;
      entries_.erase(it);
    }
  }
  // Named, not a temporary: GCC 12 mis-destroys temporaries bound to coroutine parameters.
  std::function<boost::asio::awaitable<vfs::DownloadLink>()> leader =
      [this, key, file_id, user_agent, mint]() -> boost::asio::awaitable<vfs::DownloadLink> {
    // Inside the flight: one index read per key however many clients ask at once.
    auto reading = from_index(file_id, user_agent);
    if (auto kept = co_await std::move(reading)) {
      store(key, *kept);
      co_return *kept;
    }
    auto link = co_await mint();
    store(key, link);
    remember(file_id, user_agent, link);
    co_return link;
  };
  auto minting = flights_.run(key, std::move(leader), deadline);
  try {
    co_return co_await std::move(minting);
  } catch (const util::FlightError& e) {
    throw vfs::BackendError(vfs::BackendError::Kind::Unavailable, e.what(), std::chrono::seconds(1));
  }
}

boost::asio::awaitable<vfs::DownloadLink> LinkCache::refresh(const std::string& file_id,
                                                                  const std::string& user_agent, Mint mint) {
  std::string key = key_of(file_id, user_agent);
  auto link = co_await mint();
  store(key, link);
  remember(file_id, user_agent, link);
  co_return link;
}

void LinkCache::invalidate(const std::string& file_id, const std::string& user_agent, const std::string& url) {
  std::lock_guard lk(mu_);
  auto it = entries_.find(key_of(file_id, user_agent));
  if (it != entries_.end() && it->second.link.url == url) entries_.erase(it);
  // Not only on a match: a refused link must not come back from the index after a restart.
  if (index_) index_->forget_link(file_id, user_agent);
}

std::size_t LinkCache::size() const {
  std::lock_guard lk(mu_);
  return entries_.size();
}

void LinkConnectionBudget::Lease::release() {
  if (!owner_) return;
  {
    std::lock_guard lk(owner_->mu_);
    auto it = owner_->open_.find(url_);
    if (it != owner_->open_.end() && --it->second <= 0) owner_->open_.erase(it);
  }
  owner_.reset();
}

LinkConnectionBudget::Lease LinkConnectionBudget::try_acquire(const std::shared_ptr<LinkConnectionBudget>& self,
                                                              const vfs::DownloadLink& link) {
  std::lock_guard lk(self->mu_);
  int& n = self->open_[link.url];
  if (link.max_connections > 0 && n >= link.max_connections) {
    if (n == 0) self->open_.erase(link.url);
    return {};
  }
  ++n;
  return Lease(self, link.url);
}

int LinkConnectionBudget::open_count(const std::string& url) const {
  std::lock_guard lk(mu_);
  auto it = open_.find(url);
  return it == open_.end() ? 0 : it->second;
}

}  // namespace dav115::delivery

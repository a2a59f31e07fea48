#include "dav115/vfs/folder_cache.hpp"

#include <algorithm>

namespace dav115::vfs {

FolderCache::FolderCache(std::chrono::steady_clock::duration ttl, std::size_t max_folders)
    : ttl_(ttl), max_folders_(std::max<std::size_t>(max_folders, 1)) {}

FolderCache::Lookup FolderCache::lookup(const std::string& folder_id, TimePoint now) {
  std::lock_guard lk(mu_);
  auto it = slots_.find(folder_id);
  if (it == slots_.end()) return {};
  Slot& s = it->second;
  lru_.splice(lru_.begin(), lru_, s.lru_pos);
  Lookup r;
  r.listing = s.listing;
  r.fresh = is_fresh(*s.listing, now);
  if (!r.fresh && !s.revalidating && now >= s.retry_not_before) {
    s.revalidating = true;
    r.start_revalidation = true;
  }
  return r;
}

std::shared_ptr<const Listing> FolderCache::fresh(const std::string& folder_id, TimePoint now) const {
  std::lock_guard lk(mu_);
  auto it = slots_.find(folder_id);
  if (it == slots_.end() || !is_fresh(*it->second.listing, now)) return nullptr;
  return it->second.listing;
}

std::shared_ptr<const Listing> FolderCache::peek(const std::string& folder_id) const {
  std::lock_guard lk(mu_);
  auto it = slots_.find(folder_id);
  return it == slots_.end() ? nullptr : it->second.listing;
}

void FolderCache::store(const std::string& folder_id, std::shared_ptr<const Listing> listing) {
  std::lock_guard lk(mu_);
  store_locked(folder_id, std::move(listing), std::nullopt);
}

std::shared_ptr<const Listing> FolderCache::store_if_absent(const std::string& folder_id,
                                                            std::shared_ptr<const Listing> listing) {
  std::lock_guard lk(mu_);
  auto it = slots_.find(folder_id);
  if (it != slots_.end()) return it->second.listing;
  store_locked(folder_id, listing, 0);
  return listing;
}

std::uint64_t FolderCache::next_request() {
  std::lock_guard lk(mu_);
  return ++requests_;
}

std::shared_ptr<const Listing> FolderCache::store_fetched(const std::string& folder_id,
                                                          std::shared_ptr<const Listing> listing,
                                                          std::uint64_t request) {
  std::lock_guard lk(mu_);
  auto it = slots_.find(folder_id);
  if (it != slots_.end() && it->second.request > request) {
    it->second.revalidating = false;  // this revalidation is over, even though its answer lost
    return it->second.listing;
  }
  store_locked(folder_id, listing, request);
  return listing;
}

void FolderCache::store_locked(const std::string& folder_id, std::shared_ptr<const Listing> listing,
                               std::optional<std::uint64_t> request) {
  auto it = slots_.find(folder_id);
  if (it != slots_.end()) {
    it->second.listing = std::move(listing);
    it->second.revalidating = false;
    it->second.retry_not_before = {};
    if (request) it->second.request = *request;
    lru_.splice(lru_.begin(), lru_, it->second.lru_pos);
    return;
  }
  lru_.push_front(folder_id);
  slots_.emplace(folder_id, Slot{std::move(listing), lru_.begin(), false, {}, request.value_or(0)});
  while (slots_.size() > max_folders_) {
    slots_.erase(lru_.back());
    lru_.pop_back();
  }
}

void FolderCache::revalidation_failed(const std::string& folder_id, TimePoint retry_not_before) {
  std::lock_guard lk(mu_);
  auto it = slots_.find(folder_id);
  if (it == slots_.end()) return;
  it->second.revalidating = false;
  it->second.retry_not_before = retry_not_before;
}

void FolderCache::erase(const std::string& folder_id) {
  std::lock_guard lk(mu_);
  auto it = slots_.find(folder_id);
  if (it == slots_.end()) return;
  lru_.erase(it->second.lru_pos);
  slots_.erase(it);
}

std::size_t FolderCache::size() const {
  std::lock_guard lk(mu_);
  return slots_.size();
}

}  // namespace dav115::vfs

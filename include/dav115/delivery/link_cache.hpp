#pragma once
// Download links per (file id, User-Agent): reused until `margin` before the URL's `t` expiry,
// minted once per key however many clients ask (single-flight), and counted while streams hold
// them open so a link's `c` connection cap is never exceeded.
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "dav115/vfs/tree.hpp"
#include "dav115/util/single_flight.hpp"

namespace dav115::store {
class MetadataIndexAsync;
}

namespace dav115::delivery {

class LinkCache {
 public:
  using Mint = std::function<boost::asio::awaitable<vfs::DownloadLink>()>;
  using UnixClock = std::function<std::int64_t()>;  // unix seconds; tests inject their own

  // Links without a `t` are kept this long.
  static constexpr std::int64_t kUndatedLinkLifetime = 300;

  // With an `index`, dated links are also kept there (so they outlive a restart) and a miss looks there
  // before minting; the same margin applies to links read back.
  explicit LinkCache(std::chrono::seconds margin, UnixClock clock = {},
                     std::shared_ptr<store::MetadataIndexAsync> index = nullptr);

  // The cached link for the key if still fresh, else the result of `mint` (shared by concurrent callers).
  // A caller that joined another's mint waits until `deadline` at most (then vfs::BackendError Unavailable).
  boost::asio::awaitable<vfs::DownloadLink> get(
      const std::string& file_id, const std::string& user_agent, Mint mint,
      std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max());
  // Mints a new link without looking at the cache, and caches it (a stream whose link was full or expired).
  boost::asio::awaitable<vfs::DownloadLink> refresh(const std::string& file_id, const std::string& user_agent,
                                                         Mint mint);
  // Drops the entry if it still holds `url` (the CDN refused it).
  void invalidate(const std::string& file_id, const std::string& user_agent, const std::string& url);
  std::size_t size() const;

 private:
  struct Entry {
    vfs::DownloadLink link;
    std::int64_t good_until = 0;  // unix seconds
  };
  static std::string key_of(const std::string& file_id, const std::string& user_agent);
  void store(const std::string& key, const vfs::DownloadLink& link);
  // The link minted earlier (before a restart) for the key, if still good; else null.
  boost::asio::awaitable<std::optional<vfs::DownloadLink>> from_index(const std::string& file_id,
                                                                      const std::string& user_agent);
  void remember(const std::string& file_id, const std::string& user_agent, const vfs::DownloadLink& link);

  std::chrono::seconds margin_;
  UnixClock clock_;
  std::shared_ptr<store::MetadataIndexAsync> index_;
  mutable std::mutex mu_;
  std::map<std::string, Entry> entries_;
  util::SingleFlight<std::string, vfs::DownloadLink> flights_;
};

// Open upstream connections per link URL, capped by the link's `c` (max_connections, 0 = unlimited).
class LinkConnectionBudget {
 public:
  // Released on destruction.
  class Lease {
   public:
    Lease() = default;
    Lease(std::shared_ptr<LinkConnectionBudget> owner, std::string url) : owner_(std::move(owner)), url_(std::move(url)) {}
    Lease(Lease&& o) noexcept = default;
    Lease& operator=(Lease&& o) noexcept {
      if (this != &o) {
        release();
        owner_ = std::move(o.owner_);
        url_ = std::move(o.url_);
      }
      return *this;
    }
    ~Lease() { release(); }
    explicit operator bool() const { return owner_ != nullptr; }
    void release();

   private:
    std::shared_ptr<LinkConnectionBudget> owner_;
    std::string url_;
  };

  // A lease if the link has a free connection slot, else an empty lease.
  static Lease try_acquire(const std::shared_ptr<LinkConnectionBudget>& self, const vfs::DownloadLink& link);
  int open_count(const std::string& url) const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, int> open_;
};

}  // namespace dav115::delivery

#pragma once
// Tree's shared state and its read path (private to src/vfs/): tree.cpp forwards to it, tree_writes.cpp
// adds the writes. Every coroutine holds a shared_ptr to it.
#include "dav115/vfs/tree.hpp"
#include "pending_writes.hpp"

#include "dav115/cloud115/api.hpp"

#include <spdlog/spdlog.h>

#include <atomic>
#include <functional>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <mutex>

#include "dav115/util/labelled_counter.hpp"
#include "dav115/util/metrics.hpp"
#include "dav115/util/single_flight.hpp"
#include "dav115/util/unicode.hpp"
#include "backend_error.hpp"
#include "dav115/vfs/folder_cache.hpp"
#include "dav115/vfs/listing_builder.hpp"
#include "dav115/store/metadata_index_async.hpp"
#include "index_records.hpp"
#include <unordered_set>


namespace dav115::vfs {

namespace asio = boost::asio;

// Note: every awaited call below is created in its own statement and then awaited, because g++ 12
// destroys temporaries of a co_await full-expression twice (lambda -> std::function, by-value args).

namespace tree_detail {

// list_folder said NotFound: the folder no longer exists under that id.
struct FolderGone : std::runtime_error {
  using std::runtime_error::runtime_error;
};

constexpr auto kBackgroundDeadline = std::chrono::seconds(120);
constexpr auto kRootMissingRetryAfter = std::chrono::seconds(30);

// A shared upstream call this request joined outlived the request's deadline, or its leader went away.
inline BackendError flight_failed(const util::FlightError& e) {
  return BackendError(BackendError::Kind::Unavailable, e.what(), std::chrono::seconds(1));
}

inline void count_listing(const char* result) {
  static util::LabelledCounter listings("dav115_listing_cache_total", "result");
  listings.add(result);
}

}  // namespace tree_detail

using namespace tree_detail;

struct Tree::Impl : std::enable_shared_from_this<Tree::Impl> {
  using Ptr = std::shared_ptr<const Listing>;

  Impl(asio::any_io_executor ex, cloud115::Api& api, const config::Config& cfg, Clock clock,
       std::shared_ptr<store::MetadataIndexAsync> index)
      : ex(std::move(ex)),
        api(api),
        index(std::move(index)),
        clock(clock ? std::move(clock) : Clock([] { return std::chrono::steady_clock::now(); })),
        quota_ttl(cfg.cache.quota_ttl),
        changes_first(cfg.cloud115.list_changes_first),
        cache(cfg.cache.listing_ttl, cfg.cache.max_cached_folders) {
    root.is_dir = true;
    root.id = cfg.cloud115.root_folder_id;
    auto& m = util::Metrics::global();
    m.describe("dav115_listing_cache_total", "counter", "Folder listing lookups by result (hit, miss, stale).");
    m.describe("dav115_listing_revalidations_total", "counter", "Background listing revalidations by result.");
    m.describe("dav115_listing_cache_folders", "gauge", "Folder listings held in the cache.");
    m.describe("dav115_listing_relist_early_stops_total", "counter",
               "Revalidations that read only the newest pages (cloud115.list_changes_first).");
  }

  asio::any_io_executor ex;
  cloud115::Api& api;
  std::shared_ptr<store::MetadataIndexAsync> index;  // null: listings live in memory only
  Clock clock;
  Node root;
  std::chrono::seconds quota_ttl;
  const bool changes_first;  // revalidations hand the indexed listing to relist_folder

  FolderCache cache;
  // Long enough for 115's listings to catch up with a write, short enough that a change made elsewhere
  // (the 115 app) to a just-written object shows within minutes.
  PendingWrites pending{std::chrono::seconds(120)};
  util::SingleFlight<std::string, Ptr> listing_flights;
  std::atomic<std::uint64_t> hits{0}, misses{0}, stale_served{0}, revalidations{0}, revalidation_failures{0};

  util::SingleFlight<int, Quota> quota_flight;
  std::mutex quota_mu;
  std::optional<Quota> quota_value;
  std::chrono::steady_clock::time_point quota_at{};
  std::atomic<bool> quota_refreshing{false};

  // Folders whose indexed listing proved wrong (invalidated, or naming a child that is gone): never read
  // back from the index until a newer listing has been written for them.
  std::mutex distrusted_mu;
  std::unordered_set<std::string> distrusted;

  // Queues `entries` (the children of `id`, as listed at steady time `fetched_at`) for the index.
  void remember(const std::string& id, const std::vector<cloud115::Entry>& entries,
                std::chrono::steady_clock::time_point fetched_at) {
    if (!index) return;
    const auto age = std::chrono::duration_cast<std::chrono::milliseconds>(clock() - fetched_at).count();
    index->put_folder(id, to_index_folder(entries, wall_now_ms() - std::max<std::int64_t>(age, 0)));
    std::lock_guard lk(distrusted_mu);
    distrusted.erase(id);
  }
  // The folder is gone upstream: drop it from the cache and the index.
  void forget(const std::string& id) {
    cache.erase(id);
    if (index) index->forget_folder(id);
  }
  bool is_distrusted(const std::string& id) {
    std::lock_guard lk(distrusted_mu);
    return distrusted.count(id) > 0;
  }
  void distrust_index(const std::string& id) {
    if (!index) return;
    index->forget_folder(id);
    std::lock_guard lk(distrusted_mu);
    distrusted.insert(id);
  }

  // The indexed listing of `id`, put in the cache unless a listing is there already, or null. Its age
  // is wall-clock time since it was fetched: a stale one is served and revalidated once, as usual.
  asio::awaitable<Ptr> from_index(std::string id) {
    if (is_distrusted(id)) co_return nullptr;
    auto reading = index->get_folder(id);
    auto found = co_await std::move(reading);
    if (!found || !found->complete) co_return nullptr;
    auto entries = entries_of(*found, id);
    pending.apply(id, entries, clock(), /*from_upstream=*/false);
    const auto age = std::chrono::milliseconds(std::max<std::int64_t>(wall_now_ms() - found->fetched_at_ms, 0));
    auto stored = cache.store_if_absent(id, build_listing(entries, nullptr, clock() - age));
    publish_size();
    index->touch_folder(id, wall_now_ms());
    auto now = cache.lookup(id, clock());  // elects this reader to revalidate a stale one
    if (!now.listing) co_return stored;      // evicted meanwhile: still a valid answer
    count_listing(now.fresh ? "index_fresh" : "index_stale");
    if (now.start_revalidation) revalidate_in_background(id);
    co_return now.listing;
  }

  void publish_size() {
    util::Metrics::global().set("dav115_listing_cache_folders", {}, static_cast<double>(cache.size()));
  }

  // One upstream listing of `id` shared by every concurrent caller, stored in the cache.
  // Throws FolderGone or BackendError.
  asio::awaitable<Ptr> fetch(std::string id, cloud115::CallOptions opts) {
    auto self = shared_from_this();
    std::function<asio::awaitable<Ptr>()> work = [self, id, opts]() -> asio::awaitable<Ptr> {
      // A flight that finished just before this one started may already have refreshed it.
      if (opts.priority == cloud115::Priority::Interactive)
        if (auto l = self->cache.fresh(id, self->clock())) co_return l;
      std::vector<cloud115::Entry> entries;
      // What 115 said last time (the index keeps it as given, before unique names): lets a revalidation
      // stop at the first unchanged entry instead of reading every page.
      std::vector<cloud115::Entry> known;
      if (opts.priority == cloud115::Priority::Background && self->changes_first && self->index &&
          !self->is_distrusted(id)) {
        auto reading = self->index->get_folder(id);
        auto found = co_await std::move(reading);
        if (found && found->complete) known = entries_of(*found, id);
      }
      auto request = self->cache.next_request();
      try {
        if (known.empty()) {
          auto listing_call = self->api.list_folder(id, opts);
          entries = co_await std::move(listing_call);
        } else {
          auto relisting_call = self->api.relist_folder(id, std::move(known), opts);
          auto relisted = co_await std::move(relisting_call);
          if (relisted.stopped_early) util::Metrics::global().add("dav115_listing_relist_early_stops_total", {});
          entries = std::move(relisted.entries);
        }
      } catch (const cloud115::ApiError& e) {
        if (e.kind != cloud115::ErrorKind::NotFound) throw to_backend_error(e);
        self->forget(id);
        self->publish_size();
        throw FolderGone(e.what());
      }
      self->pending.apply(id, entries, self->clock(), /*from_upstream=*/true);
      auto previous = self->cache.peek(id);
      auto built = build_listing(entries, previous.get(), self->clock());
      auto listing = self->cache.store_fetched(id, built, request);
      if (listing == built) self->remember(id, entries, built->fetched_at);  // only what won the cache
      self->publish_size();
      co_return listing;
    };
    // Interactive fetches never join a background revalidation (queued at low priority for up to 120 s).
    std::string flight_key = (opts.priority == cloud115::Priority::Background ? "b:" : "i:") + id;
    auto shared_run = listing_flights.run(flight_key, std::move(work), opts.deadline);
    try {
      co_return co_await std::move(shared_run);
    } catch (const util::FlightError& e) {
      throw flight_failed(e);
    }
  }

  // The listing of folder `id`: fresh from cache, stale from cache (revalidated in the background),
  // or fetched now. Throws FolderGone or BackendError.
  asio::awaitable<Ptr> listing_of(const std::string& id, Deadline deadline) {
    auto found = cache.lookup(id, clock());
    if (found.listing) {
      if (found.fresh) {
        ++hits;
        count_listing("hit");
      } else {
        ++stale_served;
        count_listing("stale");
        if (found.start_revalidation) revalidate_in_background(id);
      }
      co_return found.listing;
    }
    ++misses;
    count_listing("miss");
    if (index) {
      auto loading = from_index(id);
      if (auto l = co_await std::move(loading)) co_return l;
    }
    auto fetching = fetch(id, {cloud115::Priority::Interactive, deadline});
    co_return co_await std::move(fetching);
  }

  void revalidate_in_background(std::string id) {
    // The coroutine owns a reference to Impl, so a Tree destroyed meanwhile cannot leave it dangling.
    asio::co_spawn(ex, [self = shared_from_this(), id]() -> asio::awaitable<void> {
      bool failed = false;
      std::chrono::seconds backoff{1};
      try {
        auto fetching =
            self->fetch(id, {cloud115::Priority::Background, std::chrono::steady_clock::now() + kBackgroundDeadline});
        co_await std::move(fetching);
      } catch (const FolderGone&) {
        // Already dropped from the cache; the next reader re-resolves it through its parent.
      } catch (const BackendError& e) {
        failed = true;
        backoff = e.retry_after;
        spdlog::debug("vfs: revalidation of folder {} failed, serving the cached listing: {}", id, e.what());
      } catch (const std::exception& e) {
        failed = true;
        spdlog::warn("vfs: revalidation of folder {} failed unexpectedly: {}", id, e.what());
      }
      if (failed) {
        ++self->revalidation_failures;
        util::Metrics::global().add("dav115_listing_revalidations_total", {{"result", "failed"}});
        self->cache.revalidation_failed(id, self->clock() + backoff);
      } else {
        ++self->revalidations;
        util::Metrics::global().add("dav115_listing_revalidations_total", {{"result", "ok"}});
      }
    }, asio::detached);
  }

  // The child `name_nfc` of `parent_id` according to a listing fetched now (the cached one proved stale).
  asio::awaitable<std::optional<Node>> refetch_child(std::string parent_id, std::string name_nfc, Deadline deadline) {
    cache.erase(parent_id);
    distrust_index(parent_id);  // the index holds the same outdated listing
    Ptr parent;
    try {
      parent = co_await listing_of(parent_id, deadline);
    } catch (const FolderGone&) {
      co_return std::nullopt;
    }
    const Node* n = parent->find(name_nfc);
    if (!n) co_return std::nullopt;
    co_return *n;
  }

  asio::awaitable<std::optional<Node>> stat(std::vector<std::string> segments, Deadline deadline) {
    Node cur = root;
    std::string parent_id;  // the folder whose listing `cur` came from
    std::string cur_key;    // NFC name of `cur` in that listing
    for (const auto& segment : segments) {
      if (!cur.is_dir) co_return std::nullopt;
      Ptr listing;
      bool gone = false;
      try {
        listing = co_await listing_of(cur.id, deadline);
      } catch (const FolderGone&) {
        gone = true;
      }
      if (gone) {
        if (parent_id.empty()) throw root_missing();
        // The parent's cached listing still names a folder that is gone: believe it only if a fresh
        // parent listing still does.
        auto refetching = refetch_child(parent_id, cur_key, deadline);
        auto again = co_await std::move(refetching);
        if (!again || !again->is_dir) co_return std::nullopt;
        if (again->id == cur.id)
          throw BackendError(BackendError::Kind::Unavailable, "upstream lists a folder it cannot open",
                             std::chrono::seconds(1));
        cur = *again;  // replaced by a new folder of the same name
        bool gone_again = false;
        try {
          listing = co_await listing_of(cur.id, deadline);
        } catch (const FolderGone&) {
          gone_again = true;
        }
        if (gone_again) co_return std::nullopt;
      }
      std::string key = util::nfc(segment);
      const Node* child = listing->find(key);
      if (!child) co_return std::nullopt;
      parent_id = cur.id;
      cur_key = std::move(key);
      cur = *child;
    }
    co_return cur;
  }

  // --- writes (tree_writes.cpp)
  asio::awaitable<Node> make_folder(Node parent, std::string name, Deadline deadline);
  asio::awaitable<Node> put_file(Node parent, std::string name, StagedUpload upload, std::optional<Node> replacing,
                                 Deadline deadline);
  asio::awaitable<void> remove(Node parent, Node node, Deadline deadline);
  asio::awaitable<Node> move(Node from, Node node, Node to, std::string name, std::optional<Node> replacing,
                             Deadline deadline);
  asio::awaitable<Node> copy(Node node, Node to, std::string name, std::optional<Node> replacing, Deadline deadline);
  // Patches the cached listing of `folder_id` (if any) with the pending writes: a new version, the
  // same age.
  void write_through(const std::string& folder_id);
  // A listing of `folder_id` fetched now, bypassing the cache (to learn the outcome of an uncertain write).
  asio::awaitable<Ptr> fetch_now(std::string folder_id, Deadline deadline);
  // Sends the replaced object to the recycle bin after its successor is in place; a failure leaves
  // both visible (logged), never neither.
  asio::awaitable<void> retire(Node parent, Node old, Deadline deadline);

  BackendError root_missing() const {
    return BackendError(BackendError::Kind::Unavailable,
                        "the configured root folder does not exist upstream (cloud115.root_folder_id)",
                        kRootMissingRetryAfter);
  }

  // Is the object `id` gone according to 115 itself? get_info answers "no such object" only when it
  // is; any failure to ask is a BackendError, so a glitch never becomes a 404.
  asio::awaitable<bool> confirmed_gone(std::string id, Deadline deadline) {
    std::optional<cloud115::Entry> info;
    try {
      auto asking = api.get_info(id, {cloud115::Priority::Interactive, deadline});
      info = co_await std::move(asking);
    } catch (const cloud115::ApiError& e) {
      throw to_backend_error(e);
    }
    co_return !info.has_value();
  }

  asio::awaitable<Ptr> list(Node dir, Deadline deadline) {
    if (!dir.is_dir) throw std::invalid_argument("vfs::Tree::list called on a file");
    bool gone = false;
    try {
      co_return co_await listing_of(dir.id, deadline);
    } catch (const FolderGone&) {
      gone = true;
    }
    if (gone && dir.id == root.id) throw root_missing();
    auto checking = confirmed_gone(dir.id, deadline);
    if (co_await std::move(checking)) throw NotFoundError("folder vanished upstream");
    throw BackendError(BackendError::Kind::Unavailable, "upstream could not list a folder it still has",
                       std::chrono::seconds(1));
  }

  asio::awaitable<DownloadLink> download_link(Node file, std::string user_agent, Deadline deadline) {
    cloud115::DownloadLink link;
    bool not_found = false;
    try {
      auto minting = api.download_link(file.id, file.pick_code, user_agent, {cloud115::Priority::Interactive, deadline});
      link = co_await std::move(minting);
    } catch (const cloud115::ApiError& e) {
      if (e.kind != cloud115::ErrorKind::NotFound) throw to_backend_error(e);
      not_found = true;  // also an empty `data`: 115 says that for glitches too, so ask again
    }
    if (not_found) {
      auto checking = confirmed_gone(file.id, deadline);
      if (co_await std::move(checking)) throw NotFoundError("file vanished upstream");
      throw BackendError(BackendError::Kind::Unavailable, "upstream gave no download link for a file it still has",
                         std::chrono::seconds(1));
    }
    co_return DownloadLink{std::move(link.url), std::move(link.user_agent), link.expires_at, link.max_connections,
                           link.size, std::move(link.sha1)};
  }

  std::optional<Quota> fresh_quota(std::chrono::steady_clock::time_point now) {
    std::lock_guard lk(quota_mu);
    if (quota_value && now - quota_at < quota_ttl) return quota_value;
    return std::nullopt;
  }

  std::optional<Quota> known_quota() {
    std::optional<Quota> known;
    bool stale;
    {
      std::lock_guard lk(quota_mu);
      known = quota_value;
      stale = !quota_value || clock() - quota_at >= quota_ttl;
    }
    if (stale && !quota_refreshing.exchange(true)) {
      asio::co_spawn(ex, [self = shared_from_this()]() -> asio::awaitable<void> {
        try {
          auto asking = self->quota(std::chrono::steady_clock::now() + kBackgroundDeadline);
          co_await std::move(asking);
        } catch (const std::exception& e) {
          spdlog::debug("vfs: background quota refresh failed: {}", e.what());
        }
        self->quota_refreshing = false;
      }, asio::detached);
    }
    return known;
  }

  asio::awaitable<std::optional<Quota>> quota_if_quick(std::chrono::milliseconds patience) {
    auto self = shared_from_this();
    auto known = known_quota();
    // Polled: the refresh runs on its own (with its own deadline), this request only looks for its result.
    asio::steady_timer tick(ex);
    const auto until = std::chrono::steady_clock::now() + patience;
    while (!known) {
      {
        std::lock_guard lk(quota_mu);  // the refresh may have finished already (co_spawn can run it inline)
        known = quota_value;
      }
      if (known || !quota_refreshing || std::chrono::steady_clock::now() >= until) break;
      tick.expires_after(std::chrono::milliseconds(10));
      co_await tick.async_wait(asio::use_awaitable);
    }
    co_return known;
  }

  asio::awaitable<Quota> quota(Deadline deadline) {
    if (auto q = fresh_quota(clock())) co_return *q;
    auto self = shared_from_this();
    std::optional<BackendError> failure;
    std::function<asio::awaitable<Quota>()> work = [self, deadline]() -> asio::awaitable<Quota> {
      if (auto q = self->fresh_quota(self->clock())) co_return *q;
      Quota q;
      try {
        auto asking = self->api.quota({cloud115::Priority::Interactive, deadline});
        auto got = co_await std::move(asking);
        q = Quota{got.total, got.used, got.remain};
      } catch (const cloud115::ApiError& e) {
        throw to_backend_error(e);
      }
      std::lock_guard lk(self->quota_mu);
      self->quota_value = q;
      self->quota_at = self->clock();
      co_return q;
    };
    try {
      auto shared_run = quota_flight.run(0, std::move(work), deadline);
      co_return co_await std::move(shared_run);
    } catch (const BackendError& e) {
      failure = e;
    } catch (const util::FlightError& e) {
      failure = flight_failed(e);
    }
    // Space figures a few minutes old are better than failing a PROPFIND that asked for them.
    std::lock_guard lk(quota_mu);
    if (quota_value) co_return *quota_value;
    throw *failure;
  }
};

}  // namespace dav115::vfs

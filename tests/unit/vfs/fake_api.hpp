#pragma once
// An in-memory 115 for vfs tests: folders by id, per-folder call counts, optional delay, and
// injectable ApiErrors per folder (and for quota).
#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <set>

#include "dav115/cloud115/api.hpp"
#include "dav115/vfs/tree.hpp"

namespace vfs_test {

namespace asio = boost::asio;
using namespace dav115;
using namespace std::chrono_literals;

inline cloud115::Entry entry(std::string id, std::string parent, std::string name, bool is_dir,
                             std::uint64_t size = 0) {
  cloud115::Entry e;
  e.id = std::move(id);
  e.parent_id = std::move(parent);
  e.name = std::move(name);
  e.is_dir = is_dir;
  e.size = size;
  e.mtime = 1700000000;
  e.pick_code = is_dir ? "" : "pc" + e.id;
  return e;
}

class FakeApi : public cloud115::Api {
 public:
  void put_folder(const std::string& id, std::vector<cloud115::Entry> entries) {
    std::lock_guard lk(mu_);
    folders_[id] = std::move(entries);
  }
  void remove_folder(const std::string& id) {
    std::lock_guard lk(mu_);
    folders_.erase(id);
  }
  void fail_list(const std::string& id, std::optional<cloud115::ApiError> err) {
    std::lock_guard lk(mu_);
    if (err) list_failures_.insert_or_assign(id, *err);
    else list_failures_.erase(id);
  }
  void fail_quota(std::optional<cloud115::ApiError> err) {
    std::lock_guard lk(mu_);
    quota_failure_ = std::move(err);
  }
  void set_quota(cloud115::Quota q) {
    std::lock_guard lk(mu_);
    quota_ = q;
  }
  void set_delay(std::chrono::milliseconds d) { delay_ms_ = d.count(); }

  int list_calls(const std::string& id) const {
    std::lock_guard lk(mu_);
    auto it = list_calls_.find(id);
    return it == list_calls_.end() ? 0 : it->second;
  }
  int quota_calls() const { return quota_calls_; }
  cloud115::CallOptions last_list_options() const {
    std::lock_guard lk(mu_);
    return last_opts_;
  }

  asio::awaitable<std::vector<cloud115::Entry>> list_folder(std::string cid, cloud115::CallOptions opts) override {
    std::optional<cloud115::ApiError> failure;
    std::optional<std::vector<cloud115::Entry>> entries;
    {
      std::lock_guard lk(mu_);
      ++list_calls_[cid];
      last_opts_ = opts;
      if (auto f = list_failures_.find(cid); f != list_failures_.end()) failure = f->second;
      if (auto it = folders_.find(cid); it != folders_.end()) entries = it->second;
    }
    co_await pause();
    if (failure) throw *failure;
    if (!entries) throw cloud115::ApiError(cloud115::ErrorKind::NotFound, 430004, "no such folder");
    co_return *entries;
  }

  asio::awaitable<cloud115::Quota> quota(cloud115::CallOptions) override {
    ++quota_calls_;
    std::optional<cloud115::ApiError> failure;
    cloud115::Quota q;
    {
      std::lock_guard lk(mu_);
      failure = quota_failure_;
      q = quota_;
    }
    co_await pause();
    if (failure) throw *failure;
    co_return q;
  }

  // The entry with that id in any folder's listing; a folder counts only while it can be listed
  // (remove_folder() deletes it), so "listed by its parent but gone" is a deletion, as on 115.
  asio::awaitable<std::optional<cloud115::Entry>> get_info(std::string id, cloud115::CallOptions) override {
    std::optional<cloud115::Entry> found;
    {
      std::lock_guard lk(mu_);
      ++info_calls_;
      if (info_failure_) throw *info_failure_;
      for (const auto& [cid, entries] : folders_)
        for (const auto& e : entries)
          if (e.id == id && (!e.is_dir || folders_.count(id))) found = e;
      if (deleted_files_.count(id)) found.reset();
    }
    co_return found;
  }
  // A file 115 no longer has: its downurl says "not found" and get_info agrees.
  void delete_file(const std::string& id) {
    std::lock_guard lk(mu_);
    deleted_files_.insert(id);
  }
  void fail_links(std::optional<cloud115::ApiError> err) {
    std::lock_guard lk(mu_);
    link_failure_ = std::move(err);
  }
  void fail_info(std::optional<cloud115::ApiError> err) {
    std::lock_guard lk(mu_);
    info_failure_ = std::move(err);
  }
  int info_calls() const { return info_calls_; }
  asio::awaitable<cloud115::DownloadLink> download_link(std::string id, std::string, std::string ua,
                                                        cloud115::CallOptions) override {
    std::optional<cloud115::ApiError> failure;
    {
      std::lock_guard lk(mu_);
      failure = link_failure_;
      if (deleted_files_.count(id))
        failure = cloud115::ApiError(cloud115::ErrorKind::NotFound, 0, "downurl: empty data");
    }
    if (failure) throw *failure;
    cloud115::DownloadLink l;
    l.url = "https://cdn.example/" + id;
    l.user_agent = ua;
    co_return l;
  }
  // --- writes: applied to the in-memory folders, counted per kind.
  asio::awaitable<cloud115::Entry> make_folder(std::string parent, std::string name, cloud115::CallOptions) override {
    std::lock_guard lk(mu_);
    ++write_calls_["make_folder"];
    auto& kids = folders_[parent];
    for (const auto& e : kids)
      if (e.is_dir && e.name == name) throw cloud115::ApiError(cloud115::ErrorKind::AlreadyExists, 20004, "exists");
    auto e = entry(std::to_string(next_id_++), parent, name, true);
    kids.push_back(e);
    folders_[e.id];
    co_return e;
  }
  asio::awaitable<void> move(std::vector<std::string> ids, std::string to, cloud115::CallOptions) override {
    std::lock_guard lk(mu_);
    ++write_calls_["move"];
    for (const auto& id : ids)
      if (auto e = take_locked(id)) {
        e->parent_id = to;
        folders_[to].push_back(*e);
      }
    co_return;
  }
  asio::awaitable<void> copy(std::vector<std::string> ids, std::string to, cloud115::CallOptions) override {
    std::lock_guard lk(mu_);
    ++write_calls_["copy"];
    for (const auto& id : ids)
      if (auto e = find_locked(id)) {
        auto c = *e;
        c.id = std::to_string(next_id_++);
        c.parent_id = to;
        folders_[to].push_back(c);
      }
    co_return;
  }
  asio::awaitable<void> rename(std::string id, std::string name, cloud115::CallOptions) override {
    std::lock_guard lk(mu_);
    ++write_calls_["rename"];
    for (auto& [cid, kids] : folders_)
      for (auto& e : kids)
        if (e.id == id) e.name = name;
    co_return;
  }
  asio::awaitable<void> remove(std::vector<std::string> ids, std::string, cloud115::CallOptions) override {
    std::lock_guard lk(mu_);
    ++write_calls_["remove"];
    for (const auto& id : ids) take_locked(id);
    co_return;
  }
  asio::awaitable<cloud115::UploadResult> upload(cloud115::UploadSource src, std::string parent, std::string name,
                                                 cloud115::CallOptions) override {
    std::lock_guard lk(mu_);
    ++write_calls_["upload"];
    if (upload_failure_) throw *upload_failure_;
    cloud115::UploadResult r;
    r.entry = entry(std::to_string(next_id_++), parent, name, false, src.size);
    r.entry.sha1 = src.sha1;
    folders_[parent].push_back(r.entry);
    r.bytes_sent = src.size;
    co_return r;
  }
  void fail_upload(std::optional<cloud115::ApiError> err) {
    std::lock_guard lk(mu_);
    upload_failure_ = std::move(err);
  }
  int write_calls(const std::string& kind) const {
    std::lock_guard lk(mu_);
    auto it = write_calls_.find(kind);
    return it == write_calls_.end() ? 0 : it->second;
  }

  cloud115::UpstreamStatus status() const override { return {}; }

 private:
  std::optional<cloud115::Entry> find_locked(const std::string& id) {
    for (auto& [cid, kids] : folders_)
      for (auto& e : kids)
        if (e.id == id) return e;
    return std::nullopt;
  }
  std::optional<cloud115::Entry> take_locked(const std::string& id) {
    for (auto& [cid, kids] : folders_)
      for (auto it = kids.begin(); it != kids.end(); ++it)
        if (it->id == id) {
          auto e = *it;
          kids.erase(it);
          return e;
        }
    return std::nullopt;
  }

  asio::awaitable<void> pause() {
    auto ms = delay_ms_.load();
    if (ms <= 0) co_return;
    asio::steady_timer t(co_await asio::this_coro::executor, std::chrono::milliseconds(ms));
    co_await t.async_wait(asio::use_awaitable);
  }

  mutable std::mutex mu_;
  std::map<std::string, std::vector<cloud115::Entry>> folders_;
  std::map<std::string, cloud115::ApiError> list_failures_;
  std::map<std::string, int> list_calls_;
  cloud115::CallOptions last_opts_;
  std::optional<cloud115::ApiError> quota_failure_;
  std::optional<cloud115::ApiError> link_failure_;
  std::optional<cloud115::ApiError> info_failure_;
  std::set<std::string> deleted_files_;
  std::atomic<int> info_calls_{0};
  cloud115::Quota quota_{1000, 400, 600};
  std::atomic<int> quota_calls_{0};
  std::atomic<long long> delay_ms_{0};
  std::map<std::string, int> write_calls_;
  std::optional<cloud115::ApiError> upload_failure_;
  long long next_id_ = 9000000;
};

// A steady clock the test moves by hand, so TTLs expire without waiting.
struct ManualClock {
  std::chrono::steady_clock::time_point base = std::chrono::steady_clock::now();
  std::atomic<long long> offset_ms{0};
  void advance(std::chrono::milliseconds d) { offset_ms += d.count(); }
  vfs::Tree::Clock fn() {
    return [this] { return base + std::chrono::milliseconds(offset_ms.load()); };
  }
};

// Runs the io_context on this thread until `done()` or a generous time bound.
template <class Pred>
bool run_until(asio::io_context& io, Pred done, std::chrono::seconds bound = 10s) {
  auto limit = std::chrono::steady_clock::now() + bound;
  while (!done() && std::chrono::steady_clock::now() < limit) {
    io.restart();
    io.run_one_for(20ms);
  }
  return done();
}

// Runs one awaitable to completion on `io` (driven by this thread) and returns its result.
template <class T>
T run(asio::io_context& io, asio::awaitable<T> a) {
  auto fut = asio::co_spawn(io, std::move(a), asio::use_future);
  bool finished = run_until(io, [&] { return fut.wait_for(0s) == std::future_status::ready; });
  REQUIRE(finished);
  return fut.get();
}

inline vfs::Deadline soon() { return std::chrono::steady_clock::now() + 10s; }

inline config::Config small_config(std::size_t max_folders = 100) {
  config::Config cfg;
  cfg.cloud115.root_folder_id = "0";
  cfg.cache.listing_ttl = 60s;
  cfg.cache.quota_ttl = 300s;
  cfg.cache.max_cached_folders = max_folders;
  return cfg;
}

}  // namespace vfs_test

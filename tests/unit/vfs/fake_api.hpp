#pragma once
// An in-memory 115 for vfs tests: folders by id, per-folder call counts, optional delay, and
// injectable ApiErrors per folder (and for quota). Writes apply to the folders and are logged in order;
// hooks simulate 115's lagging listings (freeze_listing), a listing call held in flight until the test
// releases it (hold_next_list), and writes whose answer never came (uncertain_next).
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
      if (auto it = frozen_.find(cid); it != frozen_.end()) entries = it->second;
    }
    co_await pause();
    co_await hold_if_asked(cid);
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
    auto uncertain = begin_write_locked("make_folder", name);
    auto& kids = folders_[parent];
    for (const auto& e : kids)
      if (e.is_dir && e.name == name) throw cloud115::ApiError(cloud115::ErrorKind::AlreadyExists, 20004, "exists");
    auto e = entry(std::to_string(next_id_++), parent, name, true);
    kids.push_back(e);
    folders_[e.id];
    if (uncertain) throw *uncertain;
    co_return e;
  }
  asio::awaitable<void> move(std::vector<std::string> ids, std::string to, cloud115::CallOptions) override {
    std::lock_guard lk(mu_);
    auto uncertain = begin_write_locked("move", ids.front());
    for (const auto& id : ids)
      if (auto e = take_locked(id)) {
        e->parent_id = to;
        folders_[to].push_back(*e);
      }
    if (uncertain) throw *uncertain;
    co_return;
  }
  asio::awaitable<void> copy(std::vector<std::string> ids, std::string to, cloud115::CallOptions) override {
    std::lock_guard lk(mu_);
    auto uncertain = begin_write_locked("copy", ids.front());
    for (const auto& id : ids)
      if (auto e = find_locked(id)) {
        auto c = *e;
        c.id = std::to_string(next_id_++);
        c.parent_id = to;
        folders_[to].push_back(c);
      }
    if (uncertain) throw *uncertain;
    co_return;
  }
  asio::awaitable<void> rename(std::string id, std::string name, cloud115::CallOptions) override {
    std::lock_guard lk(mu_);
    auto uncertain = begin_write_locked("rename", id);
    for (auto& [cid, kids] : folders_)
      for (auto& e : kids)
        if (e.id == id) e.name = name;
    if (uncertain) throw *uncertain;
    co_return;
  }
  asio::awaitable<void> remove(std::vector<std::string> ids, std::string, cloud115::CallOptions) override {
    std::lock_guard lk(mu_);
    auto uncertain = begin_write_locked("remove", ids.front());
    for (const auto& id : ids) take_locked(id);
    if (uncertain) throw *uncertain;
    co_return;
  }
  asio::awaitable<cloud115::UploadResult> upload(cloud115::UploadSource src, std::string parent, std::string name,
                                                 cloud115::CallOptions) override {
    std::lock_guard lk(mu_);
    auto uncertain = begin_write_locked("upload", name);
    if (upload_failure_) throw *upload_failure_;
    cloud115::UploadResult r;
    r.entry = entry(std::to_string(next_id_++), parent, name, false, src.size);
    r.entry.sha1 = src.sha1;
    folders_[parent].push_back(r.entry);
    r.bytes_sent = src.size;
    if (uncertain) throw *uncertain;
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

  // What the folder really holds now (frozen or not): "name" per child, in order.
  std::vector<std::string> children(const std::string& id) const {
    std::lock_guard lk(mu_);
    std::vector<std::string> names;
    if (auto it = folders_.find(id); it != folders_.end())
      for (const auto& e : it->second) names.push_back(e.name);
    return names;
  }
  std::optional<cloud115::Entry> child(const std::string& folder, const std::string& name) const {
    std::lock_guard lk(mu_);
    if (auto it = folders_.find(folder); it != folders_.end())
      for (const auto& e : it->second)
        if (e.name == name) return e;
    return std::nullopt;
  }

  // Every write call so far, in order, as "kind subject" (subject: the id, or the name for
  // make_folder/upload), including calls that failed.
  std::vector<std::string> write_log() const {
    std::lock_guard lk(mu_);
    return write_log_;
  }
  // The next `kind` write call ("make_folder", "remove", ...) fails with an uncertain ApiError (the
  // answer never came), after doing the write (`applied`) or without doing it.
  void uncertain_next(const std::string& kind, bool applied) {
    std::lock_guard lk(mu_);
    uncertain_next_[kind] = applied;
  }

  // 115's listing lag: from now on list_folder(id) answers what the folder holds now, whatever is
  // written to it later (get_info and the writes still see the real state), until thaw_listing(id).
  void freeze_listing(const std::string& id) {
    std::lock_guard lk(mu_);
    frozen_[id] = folders_[id];
  }
  void thaw_listing(const std::string& id) {
    std::lock_guard lk(mu_);
    frozen_.erase(id);
  }

  // The next list_folder(id) takes its snapshot, then waits until release_lists() (call both on the
  // thread that runs the io_context).
  void hold_next_list(const std::string& id) {
    std::lock_guard lk(mu_);
    hold_next_.insert(id);
  }
  std::size_t lists_held() const {
    std::lock_guard lk(mu_);
    return held_.size();
  }
  void release_lists() {
    std::vector<asio::steady_timer*> held;
    {
      std::lock_guard lk(mu_);
      held.swap(held_);
    }
    for (auto* t : held) t->cancel();
  }

  cloud115::UpstreamStatus status() const override { return {}; }

 private:
  // Counts and logs a write call; the error to throw after it if it was set up to be uncertain.
  std::optional<cloud115::ApiError> begin_write_locked(const std::string& kind, const std::string& subject) {
    ++write_calls_[kind];
    write_log_.push_back(kind + " " + subject);
    auto it = uncertain_next_.find(kind);
    if (it == uncertain_next_.end()) return std::nullopt;
    bool applied = it->second;
    uncertain_next_.erase(it);
    cloud115::ApiError err(cloud115::ErrorKind::Unavailable, 0, "timed out waiting for the answer");
    err.uncertain = true;
    if (!applied) throw err;
    return err;
  }

  asio::awaitable<void> hold_if_asked(const std::string& cid) {
    asio::steady_timer gate(co_await asio::this_coro::executor, asio::steady_timer::time_point::max());
    {
      std::lock_guard lk(mu_);
      if (!hold_next_.erase(cid)) co_return;
      held_.push_back(&gate);
    }
    try {
      co_await gate.async_wait(asio::use_awaitable);
    } catch (const boost::system::system_error&) {
      // cancelled by release_lists(): the held call goes on
    }
  }

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
  std::vector<std::string> write_log_;
  std::map<std::string, bool> uncertain_next_;
  std::map<std::string, std::vector<cloud115::Entry>> frozen_;
  std::set<std::string> hold_next_;
  std::vector<asio::steady_timer*> held_;
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

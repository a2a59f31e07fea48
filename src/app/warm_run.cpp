#include "warm_run.hpp"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <deque>
#include <fstream>
#include <sstream>
#include <unordered_map>

#include "dav115/cloud115/api.hpp"
#include "dav115/store/atomic_file.hpp"
#include "dav115/store/metadata_index_async.hpp"
#include "dav115/util/unicode.hpp"
#include "dav115/vfs/index_warm.hpp"

namespace dav115::app {

namespace asio = boost::asio;
namespace fs = std::filesystem;

// Not in an anonymous namespace: these live in a coroutine frame, and GCC warns about that.
namespace warm_detail {

// Per folder: long enough to wait out the governor and a cooldown at background priority.
constexpr auto kWarmFolderDeadline = std::chrono::minutes(10);
// A folder that fails this often (each time after the client's own retries) is skipped.
constexpr int kWarmFolderAttempts = 3;

struct PendingFolder {
  std::string id, path;
  int failures = 0;
};

std::string child_path(const std::string& parent, const std::string& name) {
  return parent == "/" ? "/" + name : parent + "/" + name;
}

cloud115::CallOptions warm_call_options() {
  return cloud115::CallOptions{cloud115::Priority::Background, std::chrono::steady_clock::now() + kWarmFolderDeadline};
}

WarmOutcome stopped_by(WarmOutcome out, WarmOutcome::Kind kind, std::string message) {
  out.kind = kind;
  out.message = std::move(message);
  return out;
}

}  // namespace warm_detail

using namespace warm_detail;

fs::path warm_run_file(const fs::path& state_dir) { return state_dir / "index-warm.json"; }

std::optional<WarmRun> load_warm_run(const fs::path& state_dir) {
  std::ifstream in(warm_run_file(state_dir));
  if (!in) return std::nullopt;
  try {
    auto j = nlohmann::json::parse(in);
    WarmRun r;
    r.path = j.at("path").get<std::string>();
    r.root_folder_id = j.at("root_folder_id").get<std::string>();
    r.started_at_ms = j.at("started_at_ms").get<std::int64_t>();
    r.finished = j.at("finished").get<bool>();
    return r;
  } catch (const std::exception& e) {
    spdlog::warn("ignoring the unreadable warm-up record {}: {}", warm_run_file(state_dir).string(), e.what());
    return std::nullopt;
  }
}

void save_warm_run(const fs::path& state_dir, const WarmRun& run) {
  nlohmann::json j{{"path", run.path},
                   {"root_folder_id", run.root_folder_id},
                   {"started_at_ms", run.started_at_ms},
                   {"finished", run.finished}};
  store::write_file_atomically(warm_run_file(state_dir), j.dump(2) + "\n", fs::perms::owner_read | fs::perms::owner_write);
}

asio::awaitable<WarmOutcome> warm_subtree(cloud115::Api& api, store::MetadataIndexAsync& index, WarmOptions opts) {
  WarmOutcome out;
  WarmProgress& p = out.progress;
  const std::uint64_t calls_before = opts.calls_so_far();

  // Resolve the path: any complete indexed listing will do for that, else one listing per level.
  PendingFolder start{opts.root_folder_id, "/"};
  for (const auto& segment : opts.segments) {
    std::shared_ptr<const vfs::Listing> listing;
    const vfs::Node* child = nullptr;
    for (int fresh = 0; fresh < 2 && !child; ++fresh) {
      try {
        if (fresh == 0) {
          auto reading = vfs::indexed_listing(index, start.id, 0);
          listing = co_await std::move(reading);
        } else {
          auto listing_call = vfs::list_into_index(api, index, start.id, warm_call_options());
          listing = co_await std::move(listing_call);
        }
      } catch (const cloud115::ApiError& e) {
        p.calls = opts.calls_so_far() - calls_before;
        if (e.kind == cloud115::ErrorKind::ReauthRequired)
          co_return stopped_by(std::move(out), WarmOutcome::Kind::ReauthRequired, e.what());
        co_return stopped_by(std::move(out), WarmOutcome::Kind::PathNotFound,
                             "cannot list " + start.path + ": " + e.what());
      }
      if (listing) child = listing->find(util::nfc(segment));
    }
    if (!child || !child->is_dir) {
      out.kind = WarmOutcome::Kind::PathNotFound;
      out.message = child_path(start.path, segment) + (child ? " is a file, not a folder" : " does not exist");
      p.calls = opts.calls_so_far() - calls_before;
      co_return out;
    }
    start = PendingFolder{child->id, child_path(start.path, child->name)};
  }

  std::deque<PendingFolder> queue{start};
  p.folders_known = 1;
  while (!queue.empty()) {
    if (opts.stop_requested()) {
      out.kind = WarmOutcome::Kind::Interrupted;
      break;
    }
    PendingFolder folder = std::move(queue.front());
    queue.pop_front();
    auto reading = vfs::indexed_listing(index, folder.id, opts.since_ms);
    auto listing = co_await std::move(reading);  // done earlier in this run: no call
    if (!listing) {
      const auto began = std::chrono::steady_clock::now();
      std::optional<cloud115::ApiError> failure;
      try {
        auto listing_call = vfs::list_into_index(api, index, folder.id, warm_call_options());
        listing = co_await std::move(listing_call);
      } catch (const cloud115::ApiError& e) {
        failure = e;
      }
      p.listing_time += std::chrono::steady_clock::now() - began;
      if (failure) {
        if (failure->kind == cloud115::ErrorKind::ReauthRequired) {
          p.calls = opts.calls_so_far() - calls_before;
          co_return stopped_by(std::move(out), WarmOutcome::Kind::ReauthRequired, failure->what());
        }
        // Gone upstream since its parent was listed: nothing to warm. Otherwise try again later.
        const bool gone = failure->kind == cloud115::ErrorKind::NotFound;
        if (!gone && ++folder.failures < kWarmFolderAttempts) {
          spdlog::debug("warm: listing {} failed ({}), will try again", folder.path, failure->what());
          queue.push_back(std::move(folder));
          continue;
        }
        out.skipped.push_back({folder.path, gone ? std::string("gone upstream") : std::string(failure->what()), gone});
        ++p.skipped;
        ++p.folders_done;
        p.calls = opts.calls_so_far() - calls_before;
        if (opts.on_progress) opts.on_progress(p);
        continue;
      }
      ++p.folders_listed;
    }
    for (const auto& n : listing->entries)
      if (n.is_dir) {
        queue.push_back({n.id, child_path(folder.path, n.name)});
        ++p.folders_known;
      }
    p.entries += listing->entries.size();
    ++p.folders_done;
    p.calls = opts.calls_so_far() - calls_before;
    if (opts.on_progress) opts.on_progress(p);
  }
  p.calls = opts.calls_so_far() - calls_before;
  co_return out;
}

}  // namespace dav115::app

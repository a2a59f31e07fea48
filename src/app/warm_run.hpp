#pragma once
// `dav115 index warm`: the breadth-first walk of a subtree (private to src/app/), and the run record
// that makes it resumable.
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace dav115::cloud115 {
class Api;
}
namespace dav115::store {
class MetadataIndexAsync;
}

namespace dav115::app {

// One warm-up of one subtree, kept in <state_dir>/index-warm.json. Folders listed at or after
// `started_at_ms` are done for this run: a resumed run expands them from the index with no call.
struct WarmRun {
  std::string path;            // "/" or "/a/b", relative to the configured root
  std::string root_folder_id;  // the configured root it was relative to
  std::int64_t started_at_ms = 0;
  bool finished = false;
};

std::filesystem::path warm_run_file(const std::filesystem::path& state_dir);
std::optional<WarmRun> load_warm_run(const std::filesystem::path& state_dir);  // nullopt: none or unreadable
void save_warm_run(const std::filesystem::path& state_dir, const WarmRun& run);

struct WarmProgress {
  std::uint64_t folders_done = 0, folders_known = 0;
  std::uint64_t folders_listed = 0;  // of the done ones, listed upstream (not expanded from the index)
  std::uint64_t calls = 0;           // 115 calls made by this process
  std::uint64_t entries = 0;         // entries of the done folders
  std::uint64_t skipped = 0;
  std::chrono::steady_clock::duration listing_time{};  // spent in upstream listings (for the ETA)
};

struct SkippedFolder {
  std::string path, why;
  bool gone = false;  // deleted upstream meanwhile: nothing left to warm (not worth a retry)
};

struct WarmOutcome {
  enum class Kind { Finished, Interrupted, ReauthRequired, PathNotFound };
  Kind kind = Kind::Finished;
  WarmProgress progress;
  std::vector<SkippedFolder> skipped;
  std::string message;  // for ReauthRequired / PathNotFound
};

struct WarmOptions {
  std::string root_folder_id;
  std::vector<std::string> segments;  // the subtree, below the root
  std::int64_t since_ms = 0;          // the run's start: folders indexed since then are done
  std::function<void(const WarmProgress&)> on_progress;  // after every folder
  std::function<bool()> stop_requested;                  // checked before every folder
  std::function<std::uint64_t()> calls_so_far;           // the client's call counter
};

boost::asio::awaitable<WarmOutcome> warm_subtree(cloud115::Api& api, store::MetadataIndexAsync& index, WarmOptions opts);

}  // namespace dav115::app

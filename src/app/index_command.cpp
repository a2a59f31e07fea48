// `dav115 index`: stats (read-only, fine next to a running gateway), clear and warm (both need the
// state_dir lock, so never while a gateway runs).
#include "dav115/app/index_command.hpp"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <optional>

#include "dav115/cloud115/open_api_client.hpp"
#include "dav115/net/http_client.hpp"
#include "dav115/util/text.hpp"
#include "dav115/store/metadata_index_async.hpp"
#include "dav115/store/state_lock.hpp"
#include "dav115/util/metrics.hpp"
#include "progress_display.hpp"
#include "warm_run.hpp"

namespace dav115::app {

namespace asio = boost::asio;
namespace fs = std::filesystem;

namespace {

constexpr int kIndexOk = 0, kIndexFailure = 1, kIndexUsage = 2, kIndexInterrupted = 130;

std::int64_t unix_ms_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string iso_utc(std::int64_t unix_ms) {
  const std::time_t t = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string ago(std::int64_t unix_ms) {
  const auto s = std::max<std::int64_t>(0, (unix_ms_now() - unix_ms) / 1000);
  return WarmProgressDisplay::duration(std::chrono::seconds(s)) + " ago";
}


// Takes the lock or says why not. `what` completes "stop the gateway before ...".
std::optional<store::StateDirLock> lock_state_dir(const config::Config& cfg, const char* what) {
  try {
    if (!fs::exists(cfg.state_dir)) {
      fs::create_directories(cfg.state_dir);
      fs::permissions(cfg.state_dir, fs::perms::owner_all, fs::perm_options::replace);  // tokens live here
    }
    return std::optional<store::StateDirLock>(std::in_place, cfg.state_dir);
  } catch (const store::StateDirLocked&) {
    std::cerr << "dav115: state_dir " << cfg.state_dir << " is locked by another dav115 process (a running gateway?; "
              << store::StateDirLock::lock_file(cfg.state_dir).string() << "): stop the gateway before " << what
              << "\n";
  } catch (const std::exception& e) {
    std::cerr << "dav115: cannot lock state_dir " << cfg.state_dir << ": " << e.what() << "\n";
  }
  return std::nullopt;
}

// "/a//b/" -> {"a", "b"}; nullopt for "." or "..".
std::optional<std::vector<std::string>> split_path(const std::string& path) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i <= path.size()) {
    auto j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    std::string seg = path.substr(i, j - i);
    if (seg == "." || seg == "..") return std::nullopt;
    if (!seg.empty()) out.push_back(std::move(seg));
    i = j + 1;
  }
  return out;
}

std::string join_path(const std::vector<std::string>& segments) {
  std::string p;
  for (const auto& s : segments) p += "/" + s;
  return p.empty() ? "/" : p;
}

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace

int index_stats(const config::Config& cfg, bool json) {
  store::IndexStats s;
  try {
    s = store::read_index_stats(cfg.state_dir);
  } catch (const std::exception& e) {
    std::cerr << "dav115: cannot read the index in " << cfg.state_dir << ": " << e.what() << "\n";
    return kIndexFailure;
  }
  const auto run = load_warm_run(cfg.state_dir);
  if (json) {
    nlohmann::json j{{"folders", s.folders},     {"entries", s.entries},     {"links", s.links},
                     {"db_bytes", s.db_bytes},   {"wal_bytes", s.wal_bytes}, {"size_bytes", s.db_bytes + s.wal_bytes},
                     {"oldest_fetched_at", nullptr}, {"oldest_fetched_at_ms", nullptr}, {"warm_run", nullptr}};
    if (s.oldest_fetched_at_ms) {
      j["oldest_fetched_at"] = iso_utc(*s.oldest_fetched_at_ms);
      j["oldest_fetched_at_ms"] = *s.oldest_fetched_at_ms;
    }
    if (run)
      j["warm_run"] = {{"path", run->path}, {"started_at", iso_utc(run->started_at_ms)}, {"finished", run->finished}};
    std::cout << j.dump(2) << "\n";
    return kIndexOk;
  }
  std::cout << "index:        " << (fs::path(cfg.state_dir) / "dav115.db").string() << "\n"
            << "folders:      " << s.folders << "\n"
            << "entries:      " << s.entries << "\n"
            << "links:        " << s.links << "\n"
            << "size on disk: " << util::bytes_in_words(s.db_bytes + s.wal_bytes) << " (db " << util::bytes_in_words(s.db_bytes)
            << " + wal " << util::bytes_in_words(s.wal_bytes) << ")\n"
            << "oldest entry: "
            << (s.oldest_fetched_at_ms ? ago(*s.oldest_fetched_at_ms) + " (" + iso_utc(*s.oldest_fetched_at_ms) + ")"
                                       : std::string("none"))
            << "\n";
  if (run)
    std::cout << "warm-up:      " << run->path << " started " << iso_utc(run->started_at_ms) << ", "
              << (run->finished ? "finished" : "not finished (run warm again to resume)") << "\n";
  return kIndexOk;
}

int index_clear(const config::Config& cfg) {
  auto lock = lock_state_dir(cfg, "clearing the index (it would write its listings back from memory)");
  if (!lock) return kIndexFailure;
  try {
    store::clear_index(cfg.state_dir);
    std::error_code ec;
    fs::remove(warm_run_file(cfg.state_dir), ec);  // nothing left of that run in the index
  } catch (const std::exception& e) {
    std::cerr << "dav115: cannot clear the index in " << cfg.state_dir << ": " << e.what() << "\n";
    return kIndexFailure;
  }
  std::cout << "index cleared (listings and links; dead properties and client-set times kept)\n";
  return kIndexOk;
}

int index_warm(const config::Config& cfg, const std::string& path, const std::string& config_path) {
  auto segments = split_path(path);
  if (!segments) {
    std::cerr << "dav115: " << path << ": '.' and '..' are not allowed in the path\n";
    return kIndexUsage;
  }
  if (!cfg.index.enabled) {
    std::cerr << "dav115: index.enabled is false in the configuration: the gateway would not read what warm writes\n";
    return kIndexUsage;
  }
  // The warm-up refreshes the rotating 115 token: exactly one process may own it.
  auto lock = lock_state_dir(cfg, "warming the index (only one process may refresh the 115 token)");
  if (!lock) return kIndexFailure;

  const std::string target = join_path(*segments);
  WarmRun run;
  auto previous = load_warm_run(cfg.state_dir);
  const bool resuming = previous && !previous->finished && previous->path == target &&
                        previous->root_folder_id == cfg.cloud115.root_folder_id;
  if (resuming) {
    run = *previous;
    std::cerr << "resuming the warm-up of " << target << " started " << iso_utc(run.started_at_ms)
              << " (folders listed since then are taken from the index)\n";
  } else {
    run = WarmRun{target, cfg.cloud115.root_folder_id, unix_ms_now(), false};
    if (previous && !previous->finished && previous->path != target)
      std::cerr << "note: the unfinished warm-up of " << previous->path << " is replaced by this one\n";
    std::cerr << "warming " << target << " (rate limit " << cfg.cloud115.rate_limit.qps << " calls/s, burst "
              << cfg.cloud115.rate_limit.burst << ")\n";
  }
  try {
    save_warm_run(cfg.state_dir, run);
  } catch (const std::exception& e) {
    std::cerr << "dav115: cannot save the warm-up record in " << cfg.state_dir << ": " << e.what() << "\n";
    return kIndexFailure;
  }

  // Before the io_context, so it outlives it: handlers still queued there when it is destroyed hold the
  // client, whose token saver's strand runs on this pool (UBSan caught the reverse order).
  asio::thread_pool blocking_pool(1);  // the token file's fsync
  asio::io_context ioc(1);
  net::ClientOptions client_opts;
  client_opts.verify_tls = cfg.cloud115.verify_tls;
  client_opts.ca_file = cfg.cloud115.ca_file;
  net::HttpClient http_client(ioc.get_executor(), client_opts);
  cloud115::OpenApiClient api(ioc.get_executor(), http_client, cfg.cloud115, cfg.state_dir,
                              cloud115::BlockingWork{blocking_pool.get_executor(), {}});
  std::unique_ptr<store::MetadataIndex> metadata_index;
  try {
    metadata_index = std::make_unique<store::MetadataIndex>(cfg.state_dir);
  } catch (const std::exception& e) {
    std::cerr << "dav115: cannot open the index in " << cfg.state_dir << ": " << e.what() << "\n";
    return kIndexFailure;
  }
  asio::thread_pool index_writer(1), index_readers(1);
  store::MetadataIndexAsync index(*metadata_index, index_writer.get_executor(), index_readers.get_executor());

  // First signal: stop after the folder in flight (its listing is kept). A second one: leave now
  // (the index is consistent after every commit; the folder in flight is listed again next time).
  std::atomic<bool> stop{false};
  asio::signal_set signals(ioc, SIGINT, SIGTERM);
  std::function<void()> arm = [&] {
    signals.async_wait([&](const boost::system::error_code& ec, int) {
      if (ec) return;
      if (stop.exchange(true)) {
        std::fprintf(stderr, "\ninterrupted again: leaving at once\n");
        std::_Exit(kIndexInterrupted);
      }
      std::fprintf(stderr, "\nstopping after the folder in flight (press Ctrl-C again to leave at once)\n");
      arm();
    });
  };
  arm();

  WarmProgressDisplay display(stderr, cfg.cloud115.rate_limit.qps);
  std::optional<WarmOutcome> outcome;
  std::string failure;
  bool token_dead = false;
  auto lifecycle = [&]() -> asio::awaitable<void> {
    co_await api.start();
    if (api.status().token == cloud115::TokenState::ReauthRequired) {
      token_dead = true;
    } else {
      WarmOptions opts;
      opts.root_folder_id = cfg.cloud115.root_folder_id;
      opts.segments = *segments;
      opts.since_ms = run.started_at_ms;
      opts.on_progress = [&display](const WarmProgress& p) { display.update(p); };
      opts.stop_requested = [&stop] { return stop.load(); };
      opts.calls_so_far = [] {
        return static_cast<std::uint64_t>(util::Metrics::global().sum("dav115_upstream_calls_total"));
      };
      auto warming = warm_subtree(api, index, std::move(opts));
      outcome = co_await std::move(warming);
    }
    api.stop();
    signals.cancel();
    ioc.stop();
  };
  asio::co_spawn(ioc, lifecycle, [&](std::exception_ptr error) {
    if (!error) return;
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& e) {
      failure = e.what();
    }
    ioc.stop();
  });
  ioc.run();
  blocking_pool.join();
  index_readers.join();
  index_writer.join();  // every listing queued is in the file before the run is judged

  if (!failure.empty()) {
    std::cerr << "dav115: warm-up failed: " << failure << "\n";
    return kIndexFailure;
  }
  if (token_dead || (outcome && outcome->kind == WarmOutcome::Kind::ReauthRequired)) {
    std::cerr << "dav115: the 115 token is no longer valid (" << (outcome ? outcome->message : api.status().last_error)
              << "): log in again with `dav115 login --config " << config_path
              << "` (or put a new refresh_token in the configuration or DAV115_REFRESH_TOKEN), then run warm again "
                 "to resume\n";
    return kIndexFailure;
  }
  if (!outcome) return kIndexFailure;
  if (outcome->kind == WarmOutcome::Kind::PathNotFound) {
    std::cerr << "dav115: " << outcome->message << "\n";
    // Nothing was warmed: an unfinished run of another path stays resumable.
    try {
      if (previous && !resuming) save_warm_run(cfg.state_dir, *previous);
      else if (!resuming) fs::remove(warm_run_file(cfg.state_dir));
    } catch (const std::exception& e) {
      spdlog::warn("cannot restore the warm-up record: {}", e.what());
    }
    return kIndexFailure;
  }
  display.finish(outcome->progress);
  const auto& p = outcome->progress;
  std::size_t retryable = 0;
  for (const auto& s : outcome->skipped) {
    std::cerr << "skipped " << s.path << ": " << s.why << "\n";
    if (!s.gone) ++retryable;
  }
  const std::string again = "dav115 index warm " + shell_quote(target) + " --config " + shell_quote(config_path);
  if (outcome->kind == WarmOutcome::Kind::Interrupted) {
    std::cout << "warm-up of " << target << " interrupted: " << p.folders_done << " of " << p.folders_known
              << " known folders done, " << p.calls << " calls. To resume: " << again << "\n";
    return kIndexInterrupted;
  }
  if (retryable == 0) {
    run.finished = true;
    try {
      save_warm_run(cfg.state_dir, run);
    } catch (const std::exception& e) {
      spdlog::warn("cannot mark the warm-up finished: {}", e.what());
    }
  }
  std::cout << "warm-up of " << target << (retryable ? " done with " + std::to_string(retryable) + " folders skipped"
                                                     : std::string(" finished"))
            << ": " << p.folders_done << " folders (" << p.folders_listed << " listed now), " << p.entries
            << " entries, " << p.calls << " calls";
  if (retryable) std::cout << ". Run it again to retry the skipped folders: " << again;
  std::cout << "\n";
  return kIndexOk;
}

}  // namespace dav115::app

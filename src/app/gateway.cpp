// Process wiring and lifecycle: build every layer on one io_context, start the 115 client before
// listening, then wait for signals (SIGTERM/SIGINT drain and stop, SIGHUP reloads the 115 settings).
#include "dav115/app/gateway.hpp"

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <algorithm>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <optional>
#include <spdlog/spdlog.h>
#include <thread>

#include "dav115/admin/handler.hpp"
#include "dav115/app/admin_status.hpp"
#include "dav115/app/health.hpp"
#include "dav115/app/login_provider.hpp"
#include "dav115/app/reload.hpp"
#include "dav115/app/router.hpp"
#include "dav115/cloud115/open_api_client.hpp"
#include "dav115/delivery/handler.hpp"
#include "dav115/http/server.hpp"
#include "dav115/net/http_client.hpp"
#include "dav115/store/atomic_file.hpp"
#include "dav115/store/metadata_index_async.hpp"
#include "dav115/store/property_store_async.hpp"
#include "dav115/store/spool.hpp"
#include "dav115/store/state_lock.hpp"
#include "dav115/util/metrics.hpp"
#include "dav115/vfs/tree.hpp"
#include "dav115/webdav/handler.hpp"

namespace dav115::app {

namespace asio = boost::asio;
namespace fs = std::filesystem;

struct Gateway::Impl {
  config::Config cfg;
  GatewayOptions opts;

  mutable std::mutex mu;
  std::vector<std::uint16_t> ports;
  bool stop_requested = false;
  std::function<void()> interrupt;  // wakes the lifecycle coroutine; set while run() is active

  std::atomic<int> exit_code{0};
};

namespace {

// The tokens live in state_dir: nobody else may read it.
std::filesystem::path spool_dir(const config::Config& cfg) {
  if (!cfg.upload.spool_dir.empty()) return cfg.upload.spool_dir;
  return std::filesystem::path(cfg.state_dir) / "spool";
}

void ensure_state_dir(const std::string& dir) {
  if (fs::exists(dir)) return;
  fs::create_directories(dir);
  fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace);
}

// One port per line, in listen order; tests and the demo read it to find an ephemeral port.
void write_port_file(const std::string& state_dir, const std::vector<std::uint16_t>& ports) {
  std::string text;
  for (auto p : ports) text += std::to_string(p) + "\n";
  store::write_file_atomically(fs::path(state_dir) / "port", text,
                               fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                                   fs::perms::others_read);
}

void log_startup(const config::Config& cfg, const std::vector<std::uint16_t>& ports, const std::string& version) {
  std::string urls;
  for (std::size_t i = 0; i < cfg.listen.size(); ++i) {
    auto addr = cfg.listen[i];
    if (i < ports.size()) addr.port = ports[i];
    urls += (i ? ", " : "") + config::to_string(addr);
  }
  spdlog::info("dav115 {} listening on {}; mount path {}; root folder {}; api {}", version, urls, cfg.mount_path,
               cfg.cloud115.root_folder_id, cfg.cloud115.api_base);
}

void warn_about_plain_http(const config::Config& cfg) {
  std::string plain;
  for (const auto* base : {&cfg.cloud115.api_base, &cfg.cloud115.passport_base})
    if (base->rfind("http://", 0) == 0 && plain.find(*base) == std::string::npos)
      plain += (plain.empty() ? "" : " and ") + *base;
  if (!plain.empty())
    spdlog::warn("{} is plain http: tokens travel unencrypted (acceptable only for the fake115 emulator)", plain);
}

// The index figures come from SQLite: read on the index's reader thread, never on an I/O thread.
asio::awaitable<IndexReading> read_index_figures(asio::any_io_executor readers, std::string state_dir) {
  const auto caller = co_await asio::this_coro::executor;
  co_await asio::post(readers, asio::bind_executor(readers, asio::use_awaitable));
  IndexReading reading;
  try {
    reading.stats = store::read_index_stats(state_dir);
  } catch (const std::exception& e) {
    reading.error = e.what();
  }
  co_await asio::post(caller, asio::bind_executor(caller, asio::use_awaitable));
  co_return reading;
}

// Everything the admin page shows, taken now. `index_readers` is empty when there is no index.
asio::awaitable<admin::Status> gather_admin_status(const cloud115::Api* api, const vfs::Tree* tree,
                                                   const config::Config* cfg,
                                                   std::optional<asio::any_io_executor> index_readers,
                                                   std::string version) {
  AdminInputs in;
  if (index_readers) {
    auto reading = read_index_figures(*index_readers, cfg->state_dir);
    in.index = co_await std::move(reading);
  }
  in.upstream = api->status();
  in.cache = tree->stats();
  in.calls_total = static_cast<std::uint64_t>(util::Metrics::global().sum("dav115_upstream_calls_total"));
  in.now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  in.version = std::move(version);
  co_return admin_status(in, *cfg);
}

}  // namespace

Gateway::Gateway(config::Config cfg, GatewayOptions opts) : impl_(std::make_shared<Impl>()) {
  impl_->cfg = std::move(cfg);
  impl_->opts = std::move(opts);
}

Gateway::~Gateway() = default;

std::vector<std::uint16_t> Gateway::ports() const {
  std::lock_guard lk(impl_->mu);
  return impl_->ports;
}

void Gateway::stop() {
  std::function<void()> interrupt;
  {
    std::lock_guard lk(impl_->mu);
    impl_->stop_requested = true;
    interrupt = impl_->interrupt;
  }
  if (interrupt) interrupt();
}

int Gateway::run() {
  Impl& self = *impl_;
  const config::Config& cfg = self.cfg;
  try {
    ensure_state_dir(cfg.state_dir);
  } catch (const std::exception& e) {
    spdlog::critical("cannot create state_dir {}: {}", cfg.state_dir, e.what());
    return 1;
  }
  // Before anything reads or refreshes the tokens in it; held until run() returns.
  std::optional<store::StateDirLock> state_lock;
  try {
    state_lock.emplace(cfg.state_dir);
  } catch (const std::exception& e) {
    spdlog::critical("cannot lock state_dir {}: {}", cfg.state_dir, e.what());
    return 1;
  }

  const int threads = cfg.threads > 0 ? cfg.threads : std::max(1u, std::thread::hardware_concurrency());
  // Blocking work (the token file's fsync) runs here, never on the I/O threads. Declared before the
  // io_context so it outlives it: handlers still queued there at the end hold the client, whose token
  // saver's strand runs on this pool.
  asio::thread_pool blocking_pool(1);
  // Spool writes and hashing of PUT bodies: a pool of their own, so a large upload arriving never
  // delays a token save.
  asio::thread_pool upload_pool(2);
  // One io_context per I/O thread. The first also runs the lifecycle, the 115 client, the caches and the
  // listeners; the connections are dealt out over all of them and each stays on its thread for its
  // whole life, so serving a request takes no strand and no hand-off between threads.
  asio::io_context ioc(1);
  std::vector<std::unique_ptr<asio::io_context>> more_contexts;
  std::vector<asio::io_context*> session_contexts{&ioc};
  for (int i = 1; i < threads; ++i) {
    more_contexts.push_back(std::make_unique<asio::io_context>(1));
    session_contexts.push_back(more_contexts.back().get());
  }
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> keep_running;
  for (auto& c : more_contexts) keep_running.push_back(asio::make_work_guard(*c));
  auto stop_all_contexts = [&ioc, &more_contexts] {
    ioc.stop();
    for (auto& c : more_contexts) c->stop();
  };
  auto strand = asio::make_strand(ioc);  // the lifecycle coroutine and its signal_set live here

  net::ClientOptions client_opts;
  client_opts.verify_tls = cfg.cloud115.verify_tls;
  client_opts.ca_file = cfg.cloud115.ca_file;
  net::HttpClient http_client(ioc.get_executor(), client_opts);
  cloud115::OpenApiClient api(ioc.get_executor(), http_client, cfg.cloud115, cfg.state_dir,
                              cloud115::BlockingWork{blocking_pool.get_executor(), {}});
  api.set_upload_options(cfg.upload);
  // The metadata index: its own writer thread (writes queue in order, never on the I/O threads) and
  // its own reader thread (a token fsync on blocking_pool must not delay a listing read).
  std::unique_ptr<store::MetadataIndex> metadata_index;  // before the pools: queued work uses it
  asio::thread_pool index_writer(1);
  asio::thread_pool index_readers(1);
  std::shared_ptr<store::MetadataIndexAsync> index;
  if (cfg.index.enabled) {
    try {
      metadata_index = std::make_unique<store::MetadataIndex>(cfg.state_dir, cfg.index.max_entries);
      index = std::make_shared<store::MetadataIndexAsync>(*metadata_index, index_writer.get_executor(),
                                                          index_readers.get_executor());
    } catch (const std::exception& e) {
      spdlog::error("metadata index unavailable, listings and links are kept in memory only: {}", e.what());
    }
  }
  vfs::Tree tree(ioc.get_executor(), api, cfg, {}, index);
  webdav::Options dav_opts{cfg.mount_path, cfg.limits.client_deadline, cfg.limits.max_propfind_properties};
  dav_opts.read_only = cfg.read_only;
  dav_opts.rendered_listing_bytes = cfg.cache.rendered_listing_bytes;
  dav_opts.realm = cfg.auth.realm;
  dav_opts.may_write = [users = cfg.users](std::string_view name) {
    for (const auto& u : users)
      if (u.name == name) return !u.read_only;
    return false;
  };
  // Opening may check and migrate the database: done once here, before any request.
  std::unique_ptr<store::PropertyStore> property_store;
  if (!cfg.read_only) {
    property_store = std::make_unique<store::PropertyStore>(cfg.state_dir);
    dav_opts.properties = std::make_shared<store::PropertyStoreAsync>(*property_store, blocking_pool.get_executor());
    dav_opts.spool = std::make_shared<store::Spool>(spool_dir(cfg), cfg.upload.spool_reserve_bytes,
                                                    upload_pool.get_executor());
    try {
      dav_opts.spool->prepare();
    } catch (const std::exception& e) {
      spdlog::critical("cannot prepare the upload spool {}: {}", dav_opts.spool->dir().string(), e.what());
      return 1;
    }
  }
  webdav::Handler webdav_handler(tree, dav_opts);

  Routes routes;
  routes.mount_path = cfg.mount_path;
  routes.webdav = [&webdav_handler](util::HttpRequest& req) { return webdav_handler.handle(req); };
  routes.webdav_handles = &webdav::Handler::handles;
  delivery::Handler delivery_handler(ioc.get_executor(), tree, cfg, index);
  routes.delivery = [&delivery_handler](util::HttpRequest& req) { return delivery_handler.handle(req); };
  routes.is_proxy = [&delivery_handler](std::string_view target) { return delivery_handler.is_proxy_request(target); };
  routes.proxy = [&delivery_handler](util::HttpRequest& req) { return delivery_handler.handle_proxy(req); };
  Router router(std::move(routes));

  const std::string version = self.opts.version;
  http::Server server(
      ioc, cfg, [&router](util::HttpRequest& req) { return router(req); },
      [&api, &tree, version] { return health_report(api.status(), tree.stats(), version); }, session_contexts);
  // The admin page exists only when some user may open it: otherwise /admin stays a path of the drive.
  std::optional<admin::Handler> admin_handler;
  if (std::any_of(cfg.users.begin(), cfg.users.end(), [](const config::User& u) { return u.admin; })) {
    std::optional<asio::any_io_executor> readers;
    if (index) readers = index_readers.get_executor();
    admin::StatusProvider status = [&api, &tree, &cfg, readers, version] {
      return gather_admin_status(&api, &tree, &cfg, readers, version);
    };
    // "Log in with 115" needs the APP ID of a 115 Open Platform app; without one the page has no button.
    std::shared_ptr<admin::LoginProvider> login;
    if (!cfg.cloud115.app_id.empty())
      login = std::make_shared<DeviceLoginProvider>(http_client, cfg.cloud115, [&api](cloud115::mapping::TokenGrant grant) {
        return api.adopt_login(std::move(grant));
      });
    admin_handler.emplace(std::move(status), std::move(login));
    server.set_admin_handler([&admin_handler](util::HttpRequest& req) { return admin_handler->handle(req); });
  }
  // Write methods are refused before their body is read (405 + Allow, not 413).
  server.set_method_refusal([read_only = cfg.read_only](std::string_view method) -> std::optional<util::HttpResponse> {
    if (read_only && method != "OPTIONS" && method != "PROPFIND" && webdav::Handler::handles(method))
      return webdav::method_not_allowed_response();
    return std::nullopt;
  });
  // Signed proxy links are their own credential (checked by delivery), so they skip Basic auth.
  server.set_public_paths([&delivery_handler](std::string_view target) { return delivery_handler.is_proxy_request(target); });

  asio::signal_set signals(strand, SIGINT, SIGTERM, SIGHUP);
  {
    std::lock_guard lk(self.mu);
    self.interrupt = [&signals, strand] { asio::post(strand, [&signals] { signals.cancel(); }); };
  }
  auto stop_requested = [&self] {
    std::lock_guard lk(self.mu);
    return self.stop_requested;
  };

  ConfigReloader reloader(cfg);
  auto lifecycle = [&]() -> asio::awaitable<void> {
    warn_about_plain_http(cfg);
    co_await api.start();  // a dead token is not fatal: the client logs it and /healthz reports it
    server.start();
    auto bound = server.bound_ports();
    {
      std::lock_guard lk(self.mu);
      self.ports = bound;
    }
    write_port_file(cfg.state_dir, bound);
    log_startup(cfg, bound, version);

    while (!stop_requested()) {
      boost::system::error_code ec;
      int sig = co_await signals.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      if (ec) continue;  // cancelled by stop(): the loop condition ends it
      if (sig == SIGHUP) {
        if (auto fresh = reloader.reload()) api.reload(*fresh);
        // `dav115 login` beside this gateway hands its pair over through state_dir and a SIGHUP.
        try {
          auto adopting = api.adopt_handed_over_login();
          co_await std::move(adopting);
        } catch (const std::exception& e) {
          spdlog::error("could not adopt the login handed over in state_dir: {}", e.what());
        }
        continue;
      }
      spdlog::info("received {}, draining connections (up to {} s)", sig == SIGTERM ? "SIGTERM" : "SIGINT",
                   self.opts.drain_grace.count());
      break;
    }
    co_await server.drain(self.opts.drain_grace);
    api.stop();
    spdlog::info("stopped");
    stop_all_contexts();
  };

  asio::co_spawn(strand, lifecycle, [&self, &stop_all_contexts](std::exception_ptr error) {
    if (!error) return;
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& e) {
      spdlog::critical("gateway failed: {}", e.what());
    }
    self.exit_code = 1;
    stop_all_contexts();
  });

  // A handler that throws is a bug elsewhere; log it and keep serving rather than dying silently.
  auto worker = [](asio::io_context& context) {
    for (;;) {
      try {
        context.run();
        return;
      } catch (const std::exception& e) {
        spdlog::error("unhandled exception in a request handler: {}", e.what());
      }
    }
  };
  std::vector<std::thread> pool;
  for (auto& c : more_contexts) pool.emplace_back([&worker, &c] { worker(*c); });
  worker(ioc);
  for (auto& t : pool) t.join();
  blocking_pool.join();  // finish a token save in progress: that pair may be the only live one
  upload_pool.join();
  index_readers.join();
  index_writer.join();  // the writes queued before the stop reach the file

  {
    std::lock_guard lk(self.mu);
    self.interrupt = nullptr;
  }
  spdlog::default_logger()->flush();
  return self.exit_code;
}

}  // namespace dav115::app

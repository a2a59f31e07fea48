// `dav115 login`. The flow itself (cloud115/device_login) is shared with the admin page; this file is
// the terminal around it. The pair is written after the event loop has finished, on this thread: the
// fsync blocks nobody here.
#include "dav115/app/login_command.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <fstream>
#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <exception>
#include <filesystem>
#include <functional>
#include <iostream>
#include <optional>

#include "dav115/app/qr_code.hpp"
#include "dav115/cloud115/device_login.hpp"
#include "dav115/net/http_client.hpp"
#include "dav115/store/state_lock.hpp"
#include "dav115/store/token_state.hpp"

namespace dav115::app {

namespace asio = boost::asio;
namespace fs = std::filesystem;

namespace {

constexpr int kLoginOk = 0, kLoginFailed = 1, kLoginUsage = 2;

const char* const kLoginLimitWarning =
    "Note: 115 keeps two logins per app for an account. This QR login is a new one; a third login with the\n"
    "same app (here, in another dav115, or in any tool using this APP ID) evicts the oldest, whose tokens\n"
    "then stop working.\n";

std::int64_t login_unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// Who stores the new pair: this command (it holds the state_dir lock) or the gateway holding it, which
// refreshes the rotating token itself (a second writer of tokens.json would race it), so the pair is
// handed to it instead.
struct StateDirAccess {
  std::optional<store::StateDirLock> lock;
  bool gateway_running = false;
};

// False after saying why the state_dir cannot be used.
bool login_lock_state_dir(const config::Config& cfg, StateDirAccess& access) {
  try {
    if (!fs::exists(cfg.state_dir)) {
      fs::create_directories(cfg.state_dir);
      fs::permissions(cfg.state_dir, fs::perms::owner_all, fs::perm_options::replace);  // tokens live here
    }
    access.lock.emplace(cfg.state_dir);
    return true;
  } catch (const store::StateDirLocked&) {
    access.gateway_running = true;
    std::cout << "A gateway is running on state_dir " << cfg.state_dir << " ("
              << store::StateDirLock::lock_file(cfg.state_dir).string()
              << " is locked): the new login will be handed to it.\n";
    return true;
  } catch (const std::exception& e) {
    std::cerr << "dav115: cannot lock state_dir " << cfg.state_dir << ": " << e.what() << "\n";
  }
  return false;
}

// The pid the lock holder wrote into the lock file; 0 when unreadable.
pid_t lock_holder(const config::Config& cfg) {
  std::ifstream in(store::StateDirLock::lock_file(cfg.state_dir));
  long pid = 0;
  in >> pid;
  return pid > 1 ? static_cast<pid_t>(pid) : 0;
}

// Leaves the pair for the running gateway, asks it to take it (SIGHUP) and waits a bounded while for
// it to do so (it removes the file once the pair is saved as its own).
int hand_over(const config::Config& cfg, const store::TokenRecord& record) {
  const fs::path file = store::login_handoff_file(cfg.state_dir);
  store::save_token_record(file, record);
  // Run as root beside a gateway with its own user (systemd's DynamicUser): the file must be its.
  struct stat dir {};
  if (::geteuid() == 0 && ::stat(cfg.state_dir.c_str(), &dir) == 0)
    [[maybe_unused]] int ignored = ::chown(file.c_str(), dir.st_uid, dir.st_gid);
  const pid_t pid = lock_holder(cfg);
  if (pid == 0 || ::kill(pid, SIGHUP) != 0) {
    std::cout << "Logged in. The new pair is in " << file.string() << "; the gateway"
              << (pid ? " (pid " + std::to_string(pid) + ")" : std::string())
              << " takes it on its next reload (SIGHUP, `systemctl reload dav115`) or start.\n";
    return kLoginOk;
  }
  for (int i = 0; i < 300 && fs::exists(file); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  if (fs::exists(file)) {
    std::cout << "Logged in. Sent SIGHUP to the gateway (pid " << pid << "), which has not taken the new pair yet; it"
              << " stays in " << file.string() << " and is taken on the next reload or start.\n";
    return kLoginOk;
  }
  std::cout << "Logged in. The running gateway (pid " << pid << ") now uses the new token.\n";
  return kLoginOk;
}

std::string status_line(const cloud115::LoginPoll& p) {
  std::string line;
  switch (p.status) {
    case cloud115::LoginStatus::Waiting: line = "waiting: scan the QR code with the 115 app"; break;
    case cloud115::LoginStatus::Scanned: line = "scanned: confirm the login in the 115 app"; break;
    case cloud115::LoginStatus::Confirmed: line = "confirmed"; break;
    case cloud115::LoginStatus::Expired: line = "expired: the QR code is no longer valid"; break;
    case cloud115::LoginStatus::Cancelled: line = "cancelled in the 115 app"; break;
  }
  if (!p.message.empty()) line += " (115: " + p.message + ")";
  return line;
}

void show_code(const cloud115::DeviceCode& code, bool show_qr) {
  if (show_qr) {
    std::cout << qr_half_blocks(encode_qr(code.qrcode), isatty(STDOUT_FILENO) == 1)
              << "Scan this QR code with the 115 app.\n";
  } else {
    std::cout << "QR code content (turn it into a QR code and scan it with the 115 app):\n" << code.qrcode << "\n";
  }
  std::cout << std::flush;
}

// The stored record, for its generation; a corrupt file is replaced by the login (that is what it is for).
std::optional<store::TokenRecord> stored_record(const fs::path& file) {
  try {
    return store::load_token_record(file);
  } catch (const std::exception& e) {
    std::cerr << "dav115: warning: " << e.what() << "; the login replaces it\n";
    return std::nullopt;
  }
}

}  // namespace

int login(const config::Config& cfg, const LoginOptions& opts) {
  if (cfg.cloud115.app_id.empty()) {
    std::cerr << "dav115: cloud115.app_id is not set: the QR login needs the APP ID of a 115 Open Platform app "
                 "(see the README, \"Logging in to 115\")\n";
    return kLoginUsage;
  }
  std::cout << kLoginLimitWarning << std::flush;
  StateDirAccess access;
  if (!login_lock_state_dir(cfg, access)) return kLoginFailed;

  asio::io_context ioc(1);
  net::ClientOptions client_opts;
  client_opts.verify_tls = cfg.cloud115.verify_tls;
  client_opts.ca_file = cfg.cloud115.ca_file;
  net::HttpClient http(ioc.get_executor(), client_opts);
  cloud115::DeviceLogin flow(http, cfg.cloud115);

  std::optional<cloud115::LoginPoll> outcome;
  std::optional<cloud115::mapping::TokenGrant> grant;
  std::string error;
  const bool show_qr = opts.show_qr;
  std::function<void(const cloud115::LoginPoll&)> report = [](const cloud115::LoginPoll& p) {
    std::cout << status_line(p) << std::endl;
  };
  auto run = [&]() -> asio::awaitable<void> {
    auto starting = flow.start();
    cloud115::DeviceCode code = co_await std::move(starting);
    show_code(code, show_qr);
    auto waiting = flow.wait(code, report);
    outcome = co_await std::move(waiting);
    if (outcome->status != cloud115::LoginStatus::Confirmed) co_return;
    auto exchanging = flow.exchange(code);
    grant = co_await std::move(exchanging);
  };
  asio::co_spawn(ioc, run, [&](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& x) {
      error = x.what();
    }
  });
  ioc.run();

  if (!error.empty()) {
    std::cerr << "dav115: login failed: " << error << "\nThe stored tokens are unchanged.\n";
    return kLoginFailed;
  }
  if (!grant) {
    const bool cancelled = outcome && outcome->status == cloud115::LoginStatus::Cancelled;
    std::cerr << "dav115: " << (cancelled ? "the login was cancelled in the 115 app" : "the QR code expired before the login was confirmed")
              << "; the stored tokens are unchanged. Run `dav115 login` again for a new QR code.\n";
    return kLoginFailed;
  }
  const fs::path file = store::token_file(cfg.state_dir);
  try {
    const auto record = cloud115::login_token_record(*grant, stored_record(file), cfg.cloud115.refresh_token,
                                                     login_unix_now());
    if (access.gateway_running) return hand_over(cfg, record);
    store::save_token_record(file, record);
  } catch (const std::exception& e) {
    std::cerr << "dav115: logged in, but the tokens could not be stored in " << file.string() << ": " << e.what()
              << "\nFix that and run `dav115 login` again.\n";
    return kLoginFailed;
  }
  std::cout << "Logged in. The tokens are stored in " << file.string() << "; start the gateway with:\n  dav115 serve --config "
            << (opts.config_path.empty() ? "FILE" : opts.config_path) << "\n";
  if (!cfg.cloud115.refresh_token.empty())
    std::cout << "(cloud115.refresh_token in the config is ignored while it stays as it is; a different one pasted "
                 "there later wins over this login.)\n";
  return kLoginOk;
}

}  // namespace dav115::app

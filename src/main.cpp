// dav115 command line: serve, login, check-config, hash-password, index, --demo. Exit codes: 0 ok, 1 runtime
// failure, 2 configuration or usage error, 130 `index warm` interrupted (resumable).
#include <malloc.h>
#include <termios.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <functional>
#include <iostream>
#include <optional>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <string>

#include "dav115/app/demo.hpp"
#include "dav115/app/gateway.hpp"
#include "dav115/app/index_command.hpp"
#include "dav115/app/logging.hpp"
#include "dav115/app/login_command.hpp"
#include "dav115/config/config.hpp"
#include "dav115/http/password_hash.hpp"
#include "dav115/store/token_state.hpp"

#ifndef DAV115_VERSION
#define DAV115_VERSION "unknown"
#endif

namespace fs = std::filesystem;

namespace {

constexpr int kOk = 0, kRuntimeError = 1, kUsageError = 2;

fs::path binary_dir() {
  std::error_code ec;
  auto exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::current_path() : exe.parent_path();
}

// The demo fixture: the source tree's, else one relative to the binary (build/ inside the source).
std::string find_fixture() {
  std::vector<fs::path> candidates;
#ifdef DAV115_SOURCE_DIR
  candidates.push_back(fs::path(DAV115_SOURCE_DIR) / "tests/fixtures/tree.json");
#endif
  candidates.push_back(binary_dir() / "../tests/fixtures/tree.json");
  for (const auto& c : candidates)
    if (fs::exists(c)) return fs::weakly_canonical(c).string();
  return {};
}

int run_demo(const std::string& listen) {
  dav115::app::setup_logging("info");
  dav115::app::DemoOptions opts;
  if (!listen.empty()) opts.listen = listen;
  opts.fake115_path = (binary_dir() / "fake115").string();
  opts.fixture = find_fixture();
  opts.version = DAV115_VERSION;
  return dav115::app::run_demo(opts);
}

// The configuration at `path`, or nullopt after saying on stderr what is wrong with it.
std::optional<dav115::config::Config> load_or_report(const std::string& path) {
  try {
    return dav115::config::load_config(path);
  } catch (const dav115::config::ConfigError& e) {
    std::cerr << "dav115: configuration error: " << e.what() << "\n";
    return std::nullopt;
  }
}

// Whether serve has a token to start from: the config's, or a pair a login (or an earlier run) stored
// (including one `dav115 login` handed to a gateway that stopped before taking it).
// A corrupt token file counts: the gateway then stops with the reason instead of suggesting a login.
bool has_tokens(const dav115::config::Config& cfg) {
  if (!cfg.cloud115.refresh_token.empty() || !cfg.cloud115.access_token.empty()) return true;
  for (const auto& file : {dav115::store::token_file(cfg.state_dir), dav115::store::login_handoff_file(cfg.state_dir)}) {
    try {
      auto stored = dav115::store::load_token_record(file);
      if (stored && !stored->refresh_token.empty()) return true;
    } catch (const std::exception&) {
      return true;
    }
  }
  return false;
}

int serve(const std::string& config_path) {
  auto loaded = load_or_report(config_path);
  if (!loaded) return kUsageError;
  dav115::config::Config cfg = std::move(*loaded);
  if (!has_tokens(cfg)) {
    std::cerr << "dav115: no 115 login yet: run `dav115 login --config " << config_path
              << "` (or set cloud115.refresh_token); state_dir " << cfg.state_dir << " holds no tokens\n";
    return kUsageError;
  }
  dav115::app::setup_logging(cfg.log_level);
  dav115::app::Gateway gateway(std::move(cfg), dav115::app::GatewayOptions{DAV115_VERSION});
  return gateway.run();
}

int login(const std::string& config_path, bool no_qr) {
  auto cfg = load_or_report(config_path);
  if (!cfg) return kUsageError;
  // Warnings only, on stderr: stdout belongs to the QR code and the status lines.
  spdlog::set_default_logger(spdlog::stderr_color_mt("dav115-login"));
  dav115::app::setup_logging("warn");
  return dav115::app::login(*cfg, dav115::app::LoginOptions{!no_qr, config_path});
}

int check_config(const std::string& config_path) {
  auto cfg = load_or_report(config_path);
  if (!cfg) return kUsageError;
  std::cout << "config OK\n" << dav115::config::summary(*cfg);
  return kOk;
}

// `dav115 index ...`: warnings and errors only, on stderr, so stdout stays for the answer and the
// progress bar is not torn by log lines.
int index_command(const std::string& config_path, const std::function<int(const dav115::config::Config&)>& run) {
  auto loaded = load_or_report(config_path);
  if (!loaded) return kUsageError;
  const dav115::config::Config& cfg = *loaded;
  spdlog::set_default_logger(spdlog::stderr_color_mt("dav115-index"));
  dav115::app::setup_logging(cfg.log_level == "debug" || cfg.log_level == "trace" ? cfg.log_level : "warn");
  return run(cfg);
}

// One line from stdin without echo (the terminal is restored even if reading fails).
std::string read_secret_line(const char* prompt) {
  std::cerr << prompt << std::flush;
  termios saved{};
  const bool tty = tcgetattr(STDIN_FILENO, &saved) == 0;
  if (tty) {
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  }
  std::string line;
  std::getline(std::cin, line);
  if (tty) {
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
    std::cerr << "\n";
  }
  return line;
}

int hash_password(bool from_stdin) {
  std::string password;
  if (from_stdin) {
    std::getline(std::cin, password);
    if (!password.empty() && password.back() == '\r') password.pop_back();
  } else if (isatty(STDIN_FILENO)) {
    password = read_secret_line("Password: ");
    if (read_secret_line("Repeat password: ") != password) {
      std::cerr << "dav115: the passwords differ\n";
      return kUsageError;
    }
  } else {
    std::cerr << "dav115: stdin is not a terminal; use --password-stdin to read the password from it\n";
    return kUsageError;
  }
  if (password.empty()) {
    std::cerr << "dav115: empty password\n";
    return kUsageError;
  }
  std::cout << dav115::http::hash_password(password) << "\n";
  return kOk;
}

}  // namespace

int main(int argc, char** argv) {
  // Upload parts (up to part_bytes) and big PROPFIND answers are allocated and freed on several
  // threads: served by mmap, they go back to the system at once instead of staying in per-thread
  // malloc arenas (a 1 GiB upload otherwise leaves ~60 MiB resident for good).
  mallopt(M_MMAP_THRESHOLD, 1 << 20);
  CLI::App app{"dav115: a WebDAV gateway for a 115 cloud drive"};
  app.set_version_flag("--version", std::string("dav115 ") + DAV115_VERSION);
  bool demo = false;
  std::string demo_listen;
  app.add_flag("--demo", demo, "Serve the built-in fake115 emulator's drive on 127.0.0.1:8080 (user demo/demo)");
  app.add_option("--listen", demo_listen, "With --demo: listen URL (default http://127.0.0.1:8080)");

  auto* serve_cmd = app.add_subcommand("serve", "Serve WebDAV");
  std::string serve_config;
  bool serve_demo = false;
  serve_cmd->add_option("--config,-c", serve_config, "Configuration file (JSON)");
  serve_cmd->add_flag("--demo", serve_demo, "Serve the fake115 emulator's drive instead (no config needed)");
  serve_cmd->add_option("--listen", demo_listen, "With --demo: listen URL (default http://127.0.0.1:8080)");

  auto* login_cmd = app.add_subcommand(
      "login", "Log in to 115 with its app (QR code) and store the tokens in state_dir; refused while a gateway runs");
  std::string login_config;
  bool login_no_qr = false;
  login_cmd->add_option("--config,-c", login_config, "Configuration file (JSON)")->required();
  login_cmd->add_flag("--no-qr", login_no_qr, "Print the QR code's content instead of drawing it");

  auto* check_cmd = app.add_subcommand("check-config", "Validate a configuration file without serving");
  std::string check_path;
  check_cmd->add_option("file", check_path, "Configuration file (JSON)")->required();

  auto* hash_cmd = app.add_subcommand("hash-password", "Print a password hash for the users setting");
  bool password_stdin = false;
  hash_cmd->add_flag("--password-stdin", password_stdin, "Read the password from the first line of stdin");

  auto* index_cmd = app.add_subcommand("index", "Inspect, clear or pre-fill the metadata index (listings kept in state_dir)");
  index_cmd->require_subcommand(1);
  std::string index_config, warm_path;
  bool stats_json = false;
  auto* stats_cmd = index_cmd->add_subcommand(
      "stats", "Folders, entries, links, size on disk and the oldest listing (fine while a gateway runs)");
  stats_cmd->add_option("--config,-c", index_config, "Configuration file (JSON)")->required();
  stats_cmd->add_flag("--json", stats_json, "Print the figures as JSON");
  auto* clear_cmd = index_cmd->add_subcommand(
      "clear", "Remove every listing and link (dead properties stay); refused while a gateway runs");
  clear_cmd->add_option("--config,-c", index_config, "Configuration file (JSON)")->required();
  auto* warm_cmd = index_cmd->add_subcommand(
      "warm", "List the subtree under PATH into the index within the rate limit; resumable after Ctrl-C "
              "(exit 130); refused while a gateway runs");
  warm_cmd->add_option("path", warm_path, "Folder below the configured root, e.g. / or /Movies")->required();
  warm_cmd->add_option("--config,-c", index_config, "Configuration file (JSON)")->required();

  app.require_subcommand(0, 1);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);  // prints help/version (code 0) or the error
    return code == 0 ? kOk : kUsageError;
  }

  try {
    if (demo || serve_demo) return run_demo(demo_listen);
    if (!demo_listen.empty() && !*serve_cmd) {
      std::cerr << "dav115: --listen is only for --demo\n";
      return kUsageError;
    }
    if (*serve_cmd) {
      if (serve_config.empty()) {
        std::cerr << "dav115: serve needs --config FILE (or --demo)\n";
        return kUsageError;
      }
      if (!demo_listen.empty()) {
        std::cerr << "dav115: --listen is only for --demo; put listen addresses in the config file\n";
        return kUsageError;
      }
      return serve(serve_config);
    }
    if (*login_cmd) return login(login_config, login_no_qr);
    if (*check_cmd) return check_config(check_path);
    if (*hash_cmd) return hash_password(password_stdin);
    if (*stats_cmd)
      return index_command(index_config, [&](const auto& cfg) { return dav115::app::index_stats(cfg, stats_json); });
    if (*clear_cmd) return index_command(index_config, [](const auto& cfg) { return dav115::app::index_clear(cfg); });
    if (*warm_cmd)
      return index_command(index_config,
                           [&](const auto& cfg) { return dav115::app::index_warm(cfg, warm_path, index_config); });
  } catch (const std::exception& e) {
    std::cerr << "dav115: " << e.what() << "\n";
    return kRuntimeError;
  }
  std::cerr << app.help();
  return kUsageError;
}

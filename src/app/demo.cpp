// Demo mode: a throw-away fake115 emulator and a gateway in front of it, both on loopback.
#include "dav115/app/demo.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <spdlog/spdlog.h>
#include <sstream>
#include <thread>

#include "dav115/app/gateway.hpp"
#include "dav115/http/password_hash.hpp"

extern char** environ;

namespace dav115::app {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

// Ctrl-C before the gateway owns the signals (while the emulator starts) must still clean up.
volatile std::sig_atomic_t early_stop = 0;
extern "C" void note_early_stop(int) { early_stop = 1; }

std::string trim(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  std::size_t i = 0;
  while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  return s.substr(i);
}

std::optional<std::string> read_trimmed(const fs::path& p) {
  std::ifstream in(p);
  if (!in) return std::nullopt;
  std::stringstream ss;
  ss << in.rdbuf();
  auto text = trim(ss.str());
  if (text.empty()) return std::nullopt;
  return text;
}

// The emulator as a child process in its own process group, so a terminal's Ctrl-C reaches only
// dav115, which then stops the emulator itself after draining.
class Emulator {
 public:
  Emulator(const std::string& binary, const std::string& state_dir, const std::string& fixture,
           const std::string& log_file) {
    std::vector<std::string> args{binary, "--listen", "127.0.0.1:0", "--state-dir", state_dir};
    if (!fixture.empty()) {
      args.push_back("--tree");
      args.push_back(fixture);
    }
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, log_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attr, 0);
    int rc = posix_spawn(&pid_, binary.c_str(), &actions, &attr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    if (rc != 0) throw std::runtime_error("cannot start " + binary + ": " + std::strerror(rc));
  }
  ~Emulator() { stop(); }

  bool running() {
    if (pid_ <= 0) return false;
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return false;
    }
    return true;
  }

  void stop() {
    if (!running()) return;
    kill(pid_, SIGTERM);
    const auto give_up = std::chrono::steady_clock::now() + 5s;
    while (std::chrono::steady_clock::now() < give_up) {
      if (!running()) return;
      std::this_thread::sleep_for(20ms);
    }
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

 private:
  pid_t pid_ = -1;
};

// The port file holds either a base URL ("http://127.0.0.1:PORT") or a bare port.
std::string base_url_from_port_file(const std::string& text) {
  std::string first = text.substr(0, text.find('\n'));
  if (first.rfind("http", 0) == 0) {
    while (!first.empty() && first.back() == '/') first.pop_back();
    return first;
  }
  return "http://127.0.0.1:" + first;
}

void print_instructions(const std::string& url) {
  std::cout << "\ndav115 demo is serving the fake115 emulator's drive at " << url << "\n"
            << "  user: demo    password: demo\n\n"
            << "Try:\n"
            << "  curl -u demo:demo -X PROPFIND -H 'Depth: 1' " << url << "\n"
            << "  cadaver " << url << "    (log in as demo / demo)\n"
            << "  rclone lsf -R --webdav-url " << url << " --webdav-user demo --webdav-pass \"$(rclone obscure demo)\" :webdav:\n"
            << "  " << url << "admin/ in a browser: the admin page (\"Log in with 115\" runs the emulator's QR\n"
            << "    login: its QR code confirms itself after a few polls)\n\n"
            << "Press Ctrl-C to stop.\n"
            << std::flush;
}

}  // namespace

int run_demo(const DemoOptions& opts) {
  if (opts.fake115_path.empty() || !fs::exists(opts.fake115_path)) {
    std::cerr << "dav115: the demo needs the fake115 emulator next to the dav115 binary ("
              << (opts.fake115_path.empty() ? "not found" : opts.fake115_path) << ").\n"
              << "Build it with: cmake --build build --target dav115 fake115\n";
    return 1;
  }

  std::signal(SIGINT, note_early_stop);
  std::signal(SIGTERM, note_early_stop);

  config::Config cfg;
  try {
    std::string listen = opts.listen.find("://") == std::string::npos ? "http://" + opts.listen : opts.listen;
    cfg.listen.push_back(config::parse_listen_url(listen, "--listen"));
  } catch (const config::ConfigError& e) {
    std::cerr << "dav115: " << e.what() << "\n";
    return 2;
  }

  char tmpl[] = "/tmp/dav115-demo-XXXXXX";
  if (!mkdtemp(tmpl)) {
    std::cerr << "dav115: cannot create a temporary directory: " << std::strerror(errno) << "\n";
    return 1;
  }
  const fs::path root = tmpl;
  struct Cleanup {
    fs::path dir;
    ~Cleanup() {
      std::error_code ec;
      fs::remove_all(dir, ec);
    }
  } cleanup{root};

  const fs::path emu_state = root / "fake115";
  fs::create_directories(emu_state);
  std::optional<Emulator> emulator;
  try {
    emulator.emplace(opts.fake115_path, emu_state.string(), opts.fixture, (root / "fake115.log").string());
  } catch (const std::exception& e) {
    std::cerr << "dav115: " << e.what() << "\n";
    return 1;
  }

  // The emulator writes its port and initial refresh token once it listens.
  std::optional<std::string> port_text, refresh_token;
  const auto give_up = std::chrono::steady_clock::now() + 60s;  // a large fixture hashes its files first
  while (std::chrono::steady_clock::now() < give_up && emulator->running() && !early_stop) {
    port_text = read_trimmed(emu_state / "port");
    refresh_token = read_trimmed(emu_state / "refresh_token");
    if (port_text && refresh_token) break;
    std::this_thread::sleep_for(50ms);
  }
  if (early_stop) return 0;
  if (!port_text || !refresh_token) {
    std::cerr << "dav115: the fake115 emulator did not start; its log:\n";
    std::ifstream log(root / "fake115.log");
    std::cerr << log.rdbuf() << "\n";
    return 1;
  }

  const std::string base = base_url_from_port_file(*port_text);
  cfg.mount_path = "/";
  // Few iterations: a demo, not a secret. An admin, so the admin page and its QR login can be tried.
  cfg.users.push_back({"demo", http::hash_password("demo", 1000), false, true});
  cfg.cloud115.refresh_token = *refresh_token;
  cfg.cloud115.api_base = base;
  cfg.cloud115.passport_base = base;
  cfg.cloud115.qrcode_base = base;
  cfg.cloud115.app_id = "100000001";  // fake115's default --app-id
  cfg.cloud115.rate_limit = {5, 10};
  cfg.delivery.allow_plain_http_cdn = true;
  cfg.delivery.cdn_host_allowlist = {"127.0.0.1", "localhost"};
  cfg.delivery.rules = config::default_delivery_rules();
  cfg.upload.oss_path_style = true;  // the emulator's OSS lives at <base>/oss/<bucket>/<object>
  cfg.state_dir = (root / "gateway").string();
  cfg.threads = 2;
  try {
    config::validate(cfg);
  } catch (const config::ConfigError& e) {
    std::cerr << "dav115: demo configuration: " << e.what() << "\n";
    return 1;
  }

  Gateway gateway(cfg, GatewayOptions{opts.version});
  std::atomic<bool> finished{false};
  int exit_code = 0;
  std::thread serving([&] {
    exit_code = gateway.run();
    finished = true;
  });
  // Wait (bounded) for the listening port, then tell the user where to point their client.
  const auto listen_deadline = std::chrono::steady_clock::now() + 60s;
  while (!finished && gateway.ports().empty() && std::chrono::steady_clock::now() < listen_deadline) {
    if (early_stop) gateway.stop();  // a signal that arrived before the gateway's own handlers
    std::this_thread::sleep_for(20ms);
  }
  if (auto ports = gateway.ports(); !ports.empty()) {
    auto addr = cfg.listen.front();
    addr.port = ports.front();
    if (addr.host == "0.0.0.0" || addr.host == "::") addr.host = "127.0.0.1";
    print_instructions(config::to_string(addr) + "/");
  }
  serving.join();
  emulator->stop();
  return exit_code;
}

}  // namespace dav115::app

#pragma once
// The whole gateway process: wires net -> cloud115 -> vfs -> webdav -> router -> http::Server on one
// io_context served by a thread pool, and handles SIGTERM/SIGINT (drain, exit 0) and SIGHUP (reload).
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "dav115/config/config.hpp"

namespace dav115::app {

struct GatewayOptions {
  std::string version = "unknown";                     // shown in /healthz
  std::chrono::seconds drain_grace{10};                // how long in-flight requests get at shutdown
};

class Gateway {
 public:
  explicit Gateway(config::Config cfg, GatewayOptions opts = {});
  ~Gateway();
  Gateway(const Gateway&) = delete;
  Gateway& operator=(const Gateway&) = delete;

  // Serves until SIGTERM/SIGINT (or stop()); returns the process exit code (0 clean, 1 failure).
  int run();
  // Asks a running gateway to drain and return from run(); thread-safe, also before run() starts.
  void stop();
  // The bound ports, in cfg.listen order, once listening (empty before).
  std::vector<std::uint16_t> ports() const;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace dav115::app

#pragma once
// `dav115 serve --demo`: start the fake115 emulator next to the binary, serve its drive on localhost
// with user demo/demo, print how to try it, and stop the emulator on exit.
#include <string>

namespace dav115::app {

struct DemoOptions {
  std::string listen = "http://127.0.0.1:8080";  // "host:port" is accepted too
  std::string fake115_path;                      // the emulator binary
  std::string fixture;                           // tree JSON for the emulator; empty = its built-in tree
  std::string version = "unknown";
};

// Blocks until SIGTERM/SIGINT. Returns the process exit code (1 when the emulator cannot be started).
int run_demo(const DemoOptions& opts);

}  // namespace dav115::app

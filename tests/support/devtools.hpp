#pragma once
// Headless Chromium driven through its DevTools protocol over --remote-debugging-pipe (fd 3 carries
// commands to the browser, fd 4 answers and events, each message a JSON text ended by a NUL byte): no
// WebSocket, no downloaded driver, only Debian's `chromium`. Every read is bounded in time.
#include <sys/types.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace dav115::test {

class DevTools {
 public:
  // Starts `chromium --headless --remote-debugging-pipe` with a throw-away profile plus `extra_args`.
  // Throws std::runtime_error when it cannot start.
  explicit DevTools(std::vector<std::string> extra_args = {});
  ~DevTools();  // closes the browser (Browser.close, then SIGKILL) and waits for it
  DevTools(const DevTools&) = delete;
  DevTools& operator=(const DevTools&) = delete;

  // Sends a command (to a page when `session` is set) and returns its "result"; throws
  // std::runtime_error with the browser's error, or when no answer came within `timeout`.
  nlohmann::json call(const std::string& method, nlohmann::json params = nlohmann::json::object(),
                      const std::string& session = "", std::chrono::milliseconds timeout = std::chrono::seconds(60));

  // A new tab attached in flat mode: the session id for call().
  std::string open_page();
  // Evaluates `expression` in the page (awaiting a promise it returns) and gives its value as JSON.
  nlohmann::json evaluate(const std::string& session, const std::string& expression);
  // Polls `expression` (truthy = done) until it holds or `timeout` passes; says whether it held.
  bool wait_for(const std::string& session, const std::string& expression, std::chrono::milliseconds timeout);

  // Everything Chromium wrote on stderr so far (CSP violations are logged there).
  std::string stderr_text() const;
  // Events received so far ("method" + "params"), e.g. Runtime.exceptionThrown.
  const std::vector<nlohmann::json>& events() const { return events_; }

 private:
  nlohmann::json read_message(std::chrono::steady_clock::time_point deadline);

  pid_t pid_ = -1;
  int to_browser_ = -1, from_browser_ = -1;
  std::string profile_, stderr_path_, pending_;
  long next_id_ = 1;
  std::vector<nlohmann::json> events_;
};

// Whether Debian's chromium is installed (tests say they skipped otherwise).
bool have_chromium();

}  // namespace dav115::test

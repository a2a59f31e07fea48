#pragma once
// Child processes and scratch directories for tests that drive real binaries.
#include <sys/types.h>

#include <chrono>
#include <csignal>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace dav115::test {

// The dav115 binary under test: $DAV115_BIN when set (the sanitizer stage runs the g++ build's test
// drivers against its instrumented binary), else the one built beside these tests.
std::string dav115_binary();

// A running program. stdout and stderr go to `log_path` (appended). The child dies with the test
// process (PDEATHSIG) and the destructor stops it (SIGTERM, then SIGKILL after 5 s).
class ChildProcess {
 public:
  ChildProcess(std::vector<std::string> argv, std::map<std::string, std::string> extra_env, std::string log_path);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  bool running();
  void kill(int sig = SIGTERM);
  // The exit code (128 + signal number when killed by a signal), or nullopt if still running at the timeout.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout);
  const std::string& log_path() const { return log_path_; }
  std::string log() const;  // the log's current content

 private:
  pid_t pid_ = -1;
  std::optional<int> exit_code_;
  std::string log_path_;
};

// A fresh directory under $TMPDIR (or /tmp), removed recursively when the test process exits
// (kept when DAV115_KEEP_TEMP is set, for post-mortems).
std::string temp_dir(const std::string& prefix = "dav115-test");

struct CommandResult {
  int exit_code = -1;  // -1 when killed at the timeout
  std::string out, err;
};
// Runs argv to completion (killing it at `timeout`) and captures its output.
CommandResult run_command(const std::vector<std::string>& argv, std::chrono::milliseconds timeout = std::chrono::seconds(60));

// Polls `pred` every `interval` until it holds or `timeout` passes; says whether it held.
bool wait_until(const std::function<bool()>& pred, std::chrono::milliseconds timeout,
                std::chrono::milliseconds interval = std::chrono::milliseconds(20));

// A blocking TCP connection to 127.0.0.1:port for tests that speak raw bytes (slow or partial clients),
// with SO_RCVBUF set first when `rcvbuf` > 0 (a small window makes a reader stall sooner). -1 on failure.
int connect_loopback(int port, int rcvbuf = 0);

// A "kB" field of /proc/PID/status ("VmRSS", "VmHWM"), in KiB; 0 when the process or field is gone.
std::uint64_t proc_status_kib(int pid, const std::string& field);

std::string read_text_file(const std::string& path);  // "" when missing
void write_text_file(const std::string& path, const std::string& content);

}  // namespace dav115::test

#include "support/devtools.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <stdexcept>
#include <thread>

#include "support/process.hpp"

namespace dav115::test {

using nlohmann::json;

bool have_chromium() { return run_command({"chromium", "--version"}, std::chrono::seconds(60)).exit_code == 0; }

DevTools::DevTools(std::vector<std::string> extra_args) {
  profile_ = temp_dir("dav115-chromium");
  stderr_path_ = profile_ + "/chromium.stderr";
  std::vector<std::string> argv{"chromium", "--headless", "--disable-gpu", "--no-first-run",
                                "--no-default-browser-check", "--disable-extensions", "--disable-dev-shm-usage",
                                "--remote-debugging-pipe", "--user-data-dir=" + profile_};
  if (::geteuid() == 0) argv.push_back("--no-sandbox");  // as root (CI containers) its sandbox cannot start
  for (auto& a : extra_args) argv.push_back(std::move(a));
  argv.push_back("about:blank");

  int commands[2], answers[2];
  if (::pipe2(commands, O_CLOEXEC) != 0 || ::pipe2(answers, O_CLOEXEC) != 0)
    throw std::runtime_error("pipe failed");
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    // fd 3: what the browser reads; fd 4: what it writes. dup2 clears O_CLOEXEC on the copies.
    int in = ::dup(commands[0]), out = ::dup(answers[1]);
    ::dup2(in, 3);
    ::dup2(out, 4);
    int err = ::open(stderr_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (err >= 0) ::dup2(err, 2);
    int null = ::open("/dev/null", O_RDWR);
    if (null >= 0) {
      ::dup2(null, 0);
      ::dup2(null, 1);
    }
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
  ::close(commands[0]);
  ::close(answers[1]);
  to_browser_ = commands[1];
  from_browser_ = answers[0];
}

DevTools::~DevTools() {
  if (pid_ > 0) {
    try {
      call("Browser.close", json::object(), "", std::chrono::seconds(10));
    } catch (const std::exception&) {
    }
    bool gone = false;
    for (int i = 0; i < 100 && !gone; ++i) {  // up to 10 s for a clean exit
      gone = ::waitpid(pid_, nullptr, WNOHANG) == pid_;
      if (!gone) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (!gone) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  if (to_browser_ >= 0) ::close(to_browser_);
  if (from_browser_ >= 0) ::close(from_browser_);
}

json DevTools::read_message(std::chrono::steady_clock::time_point deadline) {
  for (;;) {
    if (auto end = pending_.find('\0'); end != std::string::npos) {
      json msg = json::parse(pending_.substr(0, end));
      pending_.erase(0, end + 1);
      return msg;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) throw std::runtime_error("no answer from Chromium in time");
    pollfd p{from_browser_, POLLIN, 0};
    int n = ::poll(&p, 1, static_cast<int>(left.count()));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) continue;
    char buf[65536];
    ssize_t got = ::read(from_browser_, buf, sizeof buf);
    if (got <= 0) throw std::runtime_error("Chromium closed its DevTools pipe; stderr: " + stderr_text().substr(0, 2000));
    pending_.append(buf, static_cast<std::size_t>(got));
  }
}

json DevTools::call(const std::string& method, json params, const std::string& session,
                    std::chrono::milliseconds timeout) {
  const long id = next_id_++;
  json msg{{"id", id}, {"method", method}, {"params", std::move(params)}};
  if (!session.empty()) msg["sessionId"] = session;
  std::string wire = msg.dump();
  wire.push_back('\0');
  for (std::size_t sent = 0; sent < wire.size();) {
    ssize_t n = ::write(to_browser_, wire.data() + sent, wire.size() - sent);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw std::runtime_error("cannot write to Chromium's DevTools pipe");
    sent += static_cast<std::size_t>(n);
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    json answer = read_message(deadline);
    if (!answer.contains("id")) {
      events_.push_back(std::move(answer));
      continue;
    }
    if (answer["id"] != id) continue;
    if (answer.contains("error")) throw std::runtime_error(method + ": " + answer["error"].dump());
    return answer.value("result", json::object());
  }
}

std::string DevTools::open_page() {
  auto target = call("Target.createTarget", {{"url", "about:blank"}});
  auto attached = call("Target.attachToTarget", {{"targetId", target["targetId"]}, {"flatten", true}});
  std::string session = attached["sessionId"];
  call("Runtime.enable", json::object(), session);
  call("Page.enable", json::object(), session);
  return session;
}

json DevTools::evaluate(const std::string& session, const std::string& expression) {
  auto r = call("Runtime.evaluate", {{"expression", expression}, {"awaitPromise", true}, {"returnByValue", true}}, session);
  if (r.contains("exceptionDetails")) throw std::runtime_error("page script failed: " + r["exceptionDetails"].dump());
  return r["result"].value("value", json());
}

bool DevTools::wait_for(const std::string& session, const std::string& expression, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    json v;
    try {
      v = evaluate(session, expression);
    } catch (const std::runtime_error&) {
      // The page may be between documents (a reload): ask again.
    }
    if (v.is_boolean() ? v.get<bool>() : !(v.is_null() || v == "" || v == 0)) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

std::string DevTools::stderr_text() const { return read_text_file(stderr_path_); }

}  // namespace dav115::test

#pragma once
// Runs the real dav115 binary for an integration test, configured against a running Fake115:
// a config file in a fresh state dir, a free port, a test user, stopped when the object goes away.
#include <nlohmann/json.hpp>

#include <memory>
#include <string>

#include "support/fake115.hpp"
#include "support/http.hpp"
#include "support/process.hpp"

namespace dav115::test {

class Gateway {
 public:
  static constexpr const char* kUser = "tester";
  static constexpr const char* kPassword = "s3cret-pass";

  // `overrides` is merged (JSON merge patch) into the default test config; see default_config().
  // With `start_now` false the config is written but the process not started (call start()).
  explicit Gateway(Fake115& emulator, const nlohmann::json& overrides = {}, bool start_now = true);
  ~Gateway();
  Gateway(const Gateway&) = delete;
  Gateway& operator=(const Gateway&) = delete;

  nlohmann::json default_config(Fake115& emulator) const;

  void start();        // (re)starts the process with the current config and state dir; waits until ready
  void stop();         // SIGTERM and wait
  void kill9();        // SIGKILL, no cleanup: crash simulation
  bool running();

  std::string base_url() const;  // "http://127.0.0.1:PORT"
  std::string dav_url() const;   // base_url + mount_path (ends in '/')
  std::string state_dir() const { return state_dir_; }
  std::string config_path() const { return state_dir_ + "/dav115.json"; }
  nlohmann::json& config() { return config_; }  // edit, then write_config() + start()/SIGHUP
  void write_config();
  ChildProcess& process() { return *proc_; }
  std::string log() const { return proc_ ? proc_->log() : std::string(); }

  // Basic credentials of the test user, ready for a request.
  static HttpHeaders auth(HttpHeaders extra = {});
  // A PBKDF2-SHA256 hash in dav115's format with few iterations (fast tests).
  static std::string password_hash(const std::string& password, int iterations = 1000);

 private:
  std::string state_dir_;
  nlohmann::json config_;
  std::unique_ptr<ChildProcess> proc_;
  std::string base_url_;
  int generation_ = 0;
};

// For policy proxy_url served by the gateway itself: its port is only known once it runs, so this pins
// that port in the config, points delivery.proxy_url at <base>/_proxy and restarts.
void serve_own_proxy(Gateway& gw);

// Shortcuts for the tests: a request to the gateway with the test user's credentials.
HttpResult dav(Gateway& gw, const std::string& method, const std::string& path, HttpHeaders headers = {},
               const std::string& body = "", HttpOptions opts = {});

}  // namespace dav115::test

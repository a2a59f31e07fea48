#pragma once
// SIGHUP: re-read the config file. Only the cloud115 settings are adopted live (chiefly a new refresh
// token after a re-authorisation); any other change is reported as needing a restart.
#include <optional>
#include <string>
#include <vector>

#include "dav115/config/config.hpp"

namespace dav115::app {

struct ConfigChanges {
  std::vector<std::string> cloud115;  // dotted names of changed cloud115 settings (never their values)
  bool other = false;                 // something outside cloud115 changed: takes effect after a restart
};

ConfigChanges compare_configs(const config::Config& running, const config::Config& fresh);

class ConfigReloader {
 public:
  explicit ConfigReloader(config::Config running) : running_(std::move(running)) {}

  // Reads running.source_path again and logs what changed. Returns the new cloud115 settings to hand
  // to OpenApiClient::reload, or nullopt when the file is unusable (the running config stays).
  // Not thread-safe: call from one place (the signal loop).
  std::optional<config::Cloud115> reload();

 private:
  config::Config running_;
};

}  // namespace dav115::app

#include "dav115/app/reload.hpp"

#include <spdlog/spdlog.h>

namespace dav115::app {

ConfigChanges compare_configs(const config::Config& running, const config::Config& fresh) {
  ConfigChanges changes;
  const auto& a = running.cloud115;
  const auto& b = fresh.cloud115;
  auto note = [&](bool differ, const char* name) {
    if (differ) changes.cloud115.push_back(std::string("cloud115.") + name);
  };
  note(a.refresh_token != b.refresh_token, "refresh_token");
  note(a.access_token != b.access_token, "access_token");
  note(a.root_folder_id != b.root_folder_id, "root_folder_id");
  note(a.api_base != b.api_base, "api_base");
  note(a.passport_base != b.passport_base, "passport_base");
  note(a.qrcode_base != b.qrcode_base, "qrcode_base");
  note(a.app_id != b.app_id, "app_id");
  note(a.user_agent != b.user_agent, "user_agent");
  note(a.page_size != b.page_size, "page_size");
  note(a.rate_limit != b.rate_limit, "rate_limit");
  note(a.cooldown != b.cooldown, "cooldown_s");
  note(a.refresh_margin != b.refresh_margin, "refresh_margin_s");
  note(a.request_timeout != b.request_timeout, "request_timeout_ms");
  note(a.verify_tls != b.verify_tls, "verify_tls");
  note(a.ca_file != b.ca_file, "ca_file");

  config::Config rest = fresh;
  rest.cloud115 = running.cloud115;
  changes.other = !(rest == running);
  return changes;
}

std::optional<config::Cloud115> ConfigReloader::reload() {
  if (running_.source_path.empty()) {
    spdlog::warn("SIGHUP ignored: this configuration was not read from a file");
    return std::nullopt;
  }
  config::Config fresh;
  try {
    fresh = config::load_config(running_.source_path);
  } catch (const config::ConfigError& e) {
    spdlog::error("SIGHUP: {} is not usable, keeping the running configuration: {}", running_.source_path, e.what());
    return std::nullopt;
  }
  auto changes = compare_configs(running_, fresh);
  if (changes.cloud115.empty()) {
    spdlog::info("SIGHUP: re-read {}; no cloud115 setting changed", running_.source_path);
  } else {
    std::string names;
    for (const auto& n : changes.cloud115) names += (names.empty() ? "" : ", ") + n;
    spdlog::info("SIGHUP: re-read {}; adopting changed {}", running_.source_path, names);
  }
  if (changes.other)
    spdlog::warn("SIGHUP: settings outside cloud115 changed too; they take effect only after a restart");
  running_.cloud115 = fresh.cloud115;
  return fresh.cloud115;
}

}  // namespace dav115::app

#pragma once
// spdlog set-up shared by every command: ISO-8601 timestamps, level from the config.
// The "access" logger is created by the http layer from cfg.access_log.
#include <string>

namespace dav115::app {

// `level` is a config log_level name ("info", "debug", ...). Safe to call again (SIGHUP, tests).
void setup_logging(const std::string& level);

}  // namespace dav115::app

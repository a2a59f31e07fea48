#include "dav115/app/logging.hpp"

#include <spdlog/spdlog.h>

namespace dav115::app {

void setup_logging(const std::string& level) {
  // Local time with offset: unambiguous when logs from several hosts are compared.
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %^%l%$ %v");
  spdlog::set_level(spdlog::level::from_str(level));
  spdlog::flush_on(spdlog::level::warn);
}

}  // namespace dav115::app

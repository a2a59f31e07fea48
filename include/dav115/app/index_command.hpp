#pragma once
// `dav115 index stats|clear|warm`: the metadata index from the command line. Each returns the process
// exit code (0 ok, 1 runtime failure or state_dir held by a gateway, 130 warm interrupted).
#include <string>

#include "dav115/config/config.hpp"

namespace dav115::app {

int index_stats(const config::Config& cfg, bool json);
int index_clear(const config::Config& cfg);
// `path` is relative to cloud115.root_folder_id; `config_path` only appears in the resume hint.
int index_warm(const config::Config& cfg, const std::string& path, const std::string& config_path);

}  // namespace dav115::app

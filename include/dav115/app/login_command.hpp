#pragma once
// `dav115 login`: the 115 QR login from a terminal. Warns that 115 keeps two logins per app (a third
// evicts the oldest), shows the QR code (or its text), reports every status change, and on
// confirmation stores the pair where `serve` reads it (state_dir/tokens.json), under the state_dir lock.
#include <string>

#include "dav115/config/config.hpp"

namespace dav115::app {

struct LoginOptions {
  bool show_qr = true;      // false: print the QR code's content instead (--no-qr)
  std::string config_path;  // only for the hint printed at the end
};

// Exit code: 0 logged in and stored; 1 expired, cancelled, refused by 115, 115 unreachable, the tokens
// could not be stored, or a gateway holds state_dir; 2 cloud115.app_id not set.
int login(const config::Config& cfg, const LoginOptions& opts);

}  // namespace dav115::app

#pragma once
// The admin page's HTML: the figures in tables, the login block when a LoginProvider is plugged in.
// Every text from outside (error messages, regexes, user names) is escaped. No external assets: one
// inline style and one inline script, both allowed by the CSP nonce of this response only.
#include <cstdint>
#include <string>
#include <string_view>

#include "dav115/admin/status.hpp"

namespace dav115::admin {

struct PageContext {
  std::string user;            // the admin looking at it
  std::string csrf_token;      // sent back by the script in X-CSRF-Token on every POST
  std::string nonce;           // the CSP nonce of the inline style and script
  bool login_available = false;
};

std::string render_page(const Status& status, const PageContext& ctx);

// "2026-11-30 10:00:00 UTC (in 1 h 5 min)"; "never" / "unknown" for 0 (`zero_text`).
std::string describe_time(std::int64_t unix_seconds, std::int64_t now, std::string_view zero_text);

}  // namespace dav115::admin

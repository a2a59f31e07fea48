#pragma once
// The emulated CDN: signed links bound to file id, expiry, concurrency cap and the User-Agent that
// asked for them; single-range requests. This part decides the answer; server.cpp streams the bytes.
#include <cstdint>
#include <memory>
#include <string>

#include "emulator.hpp"

namespace dav115::fake115 {

// "<cdn_base>/cdn/<fid>/<name>?t=<expiry>&c=<max>&f=1&n=<nonce>&s=<signature>"
std::string make_cdn_url(Emulator& emu, const Node& file, const std::string& user_agent);

enum class RangeKind { Full, Partial, Unsatisfiable };
struct RangeResult {
  RangeKind kind = RangeKind::Full;
  std::uint64_t start = 0, length = 0;  // for Partial
};
// One Range header against a body of `size` bytes. Multi-range and malformed headers give Full.
RangeResult evaluate_range(const std::string& header, std::uint64_t size);

struct CdnAnswer {
  unsigned status = 200;
  std::string error_body;  // text/plain, for 403/404/416
  std::uint64_t size = 0, start = 0, length = 0;
  std::string content_range;
  ContentSource source;
  std::string sha1;
  std::int64_t mtime = 0;
  // Held while the body streams: releases this download's slot of the link's concurrency cap.
  std::shared_ptr<void> slot;
};

// `target` is the raw request target ("/cdn/..."); `is_get` false for HEAD.
CdnAnswer answer_cdn(Emulator& emu, const std::string& target, bool is_get, const std::string& user_agent,
                     const std::string& range_header);

}  // namespace dav115::fake115

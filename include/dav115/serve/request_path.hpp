#pragma once
// The one place a request-target becomes tree segments (used by PROPFIND and by delivery's GET/HEAD).
// Decodes exactly once and refuses everything that could mean something other than a plain name:
// encoded '/' or '\', NUL and control characters, '.' and '..', invalid or overlong UTF-8.
#include <string>
#include <string_view>
#include <vector>

namespace dav115::serve {

struct RequestPath {
  // Below the mount path, decoded once, exactly as the client sent them: hrefs echo these back so a
  // client recognises its own request URL (Finder sends NFD).
  std::vector<std::string> segments;
  // The same segments in NFC, for vfs::Tree::stat (115 stores NFC).
  std::vector<std::string> lookup_segments;
  bool trailing_slash = false;  // the target ended in '/' (always true for the mount root)
};

struct PathDecodeResult {
  unsigned status = 0;   // 0 = ok; 400 = malformed or dangerous; 404 = not under the mount path
  std::string reason;    // human text for the error body (never echoes the raw target)
  RequestPath path;      // valid only when ok()
  bool ok() const { return status == 0; }
};

// `target` is the raw request-target ("/dav/a%20b/?x=1", or absolute-form "http://h/dav/..."); the
// query is ignored. `mount_path` begins and ends with '/' ("/" or "/dav/"; "/dav" also matches it).
PathDecodeResult decode_request_path(std::string_view target, std::string_view mount_path);

}  // namespace dav115::serve

#include "dav115/serve/request_path.hpp"

#include "dav115/util/unicode.hpp"
#include "dav115/serve/path_codec.hpp"

namespace dav115::serve {
namespace {

PathDecodeResult fail(unsigned status, std::string reason) {
  PathDecodeResult r;
  r.status = status;
  r.reason = std::move(reason);
  return r;
}

// Splits on '/', dropping empty pieces (so "//" collapses).
std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < path.size()) {
    std::size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    if (j > i) out.push_back(path.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

// Why a decoded segment is not an acceptable name, or nullptr if it is.
const char* segment_problem(std::string_view s) {
  if (s == "." || s == "..") return "dot segments are not allowed";
  for (unsigned char c : s) {
    if (c == '/' || c == '\\') return "encoded '/' or '\\' inside a path segment";
    if (c < 0x20 || c == 0x7f) return "control characters in the path";
  }
  if (!util::is_valid_utf8(s)) return "the path is not valid UTF-8";
  return nullptr;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = static_cast<char>(c | 0x20);
  return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

// A decoded segment that still carries an escape which, decoded a second time by some later layer,
// would become a separator, a control character, another escape or a dot segment ("%252e%252e",
// "%252f"): never decoded again here, but refused so no proxy or client downstream can be fooled.
// Harmless literal '%' ("100% done", "%41") stays valid.
bool double_encoded_danger(std::string_view s) {
  if (s.find('%') == std::string_view::npos) return false;
  std::string again;
  for (std::size_t i = 0; i < s.size(); ++i) {
    int hi = i + 2 < s.size() ? hex_value(s[i + 1]) : -1;
    int lo = i + 2 < s.size() ? hex_value(s[i + 2]) : -1;
    if (s[i] == '%' && hi >= 0 && lo >= 0) {
      auto c = static_cast<unsigned char>(hi * 16 + lo);
      if (c == '/' || c == '\\' || c == '%' || c < 0x20 || c == 0x7f) return true;
      again += static_cast<char>(c);
      i += 2;
    } else {
      again += s[i];
    }
  }
  return again == "." || again == "..";
}

// The path part of an origin-form or absolute-form target, without query or fragment.
std::string_view path_of(std::string_view target) {
  for (std::string_view scheme : {"http://", "https://"}) {
    if (target.size() >= scheme.size()) {
      bool same = true;
      for (std::size_t i = 0; i < scheme.size() && same; ++i)
        same = (target[i] | 0x20) == scheme[i];
      if (same) {
        target.remove_prefix(scheme.size());
        std::size_t slash = target.find('/');
        target = slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
        break;
      }
    }
  }
  std::size_t end = target.find_first_of("?#");
  return end == std::string_view::npos ? target : target.substr(0, end);
}

}  // namespace

PathDecodeResult decode_request_path(std::string_view target, std::string_view mount_path) {
  std::string_view path = path_of(target);
  if (path.empty() || path.front() != '/') return fail(400, "the request target is not an absolute path");

  std::vector<std::string> decoded;
  for (std::string_view raw : split_path(path)) {
    auto seg = decode_segment(raw);
    if (!seg) return fail(400, "malformed percent-encoding in the path");
    if (const char* why = segment_problem(*seg)) return fail(400, why);
    if (double_encoded_danger(*seg)) return fail(400, "double-encoded separator or dot segment in the path");
    decoded.push_back(std::move(*seg));
  }

  // The mount path is a literal from the config, compared segment by segment with the decoded path.
  std::vector<std::string_view> mount = split_path(mount_path);
  if (decoded.size() < mount.size()) return fail(404, "not under the WebDAV mount path");
  for (std::size_t i = 0; i < mount.size(); ++i)
    if (decoded[i] != mount[i]) return fail(404, "not under the WebDAV mount path");

  PathDecodeResult r;
  r.path.segments.assign(std::make_move_iterator(decoded.begin() + static_cast<std::ptrdiff_t>(mount.size())),
                         std::make_move_iterator(decoded.end()));
  r.path.lookup_segments.reserve(r.path.segments.size());
  for (const auto& s : r.path.segments) {
    std::string n = util::nfc(s);
    // NFC never turns a valid name into a separator or a dot segment, but the check is cheap.
    if (const char* why = segment_problem(n)) return fail(400, why);
    r.path.lookup_segments.push_back(std::move(n));
  }
  r.path.trailing_slash = r.path.segments.empty() || path.back() == '/';
  return r;
}

}  // namespace dav115::serve

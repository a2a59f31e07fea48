#include "dav115/delivery/html_index.hpp"

#include <cstdio>

#include "dav115/serve/path_codec.hpp"
#include "dav115/util/http_dates.hpp"
#include "dav115/util/text.hpp"

namespace dav115::delivery {
namespace {

// "2026-11-25 18:46" UTC: for people reading a listing, cut from the one RFC 3339 formatter.
std::string display_time(std::int64_t unix_seconds) {
  std::string t = util::format_rfc3339(unix_seconds);  // "2026-11-25T18:46:43Z"
  if (t.size() < 16) return t;
  t[10] = ' ';
  return t.substr(0, 16);
}

std::string display_size(std::uint64_t bytes) {
  static const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  if (bytes < 1024) return std::to_string(bytes) + " B";
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1024 && u < 5) {
    v /= 1024;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f %s", v, units[u]);
  return buf;
}

}  // namespace

std::string render_html_index(std::string_view title_path, const std::vector<vfs::Node>& entries,
                              std::string_view link_prefix, std::string_view parent_href) {
  std::string title = util::html_escape(title_path);
  std::string out;
  out.reserve(512 + entries.size() * 160);
  out += "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
         "<meta name=\"viewport\" content=\"width=device-width\"><title>Index of ";
  out += title;
  out += "</title>\n<style>body{font-family:sans-serif;margin:2em}td{padding:.2em 1em}"
         "td.s{text-align:right}</style></head>\n<body><h1>Index of ";
  out += title;
  out += "</h1>\n<table>\n<tr><th>Name</th><th>Size</th><th>Modified (UTC)</th></tr>\n";
  if (!parent_href.empty()) {
    out += "<tr><td><a href=\"";
    out += util::html_escape(parent_href);
    out += "\">../</a></td><td></td><td></td></tr>\n";
  }
  // Folders first, then files, each in upstream order.
  for (int pass = 0; pass < 2; ++pass) {
    for (const auto& node : entries) {
      if (node.is_dir != (pass == 0)) continue;
      std::string href = serve::encode_segment(node.name);
      // The "./" in the prefix guards names such as "a:b" that would otherwise read as a URL scheme.
      out += "<tr><td><a href=\"";
      out += util::html_escape(link_prefix);
      out += href;  // already percent-encoded: only unreserved characters and '%' remain
      if (node.is_dir) out += '/';
      out += "\">";
      out += util::html_escape(node.name);
      if (node.is_dir) out += '/';
      out += "</a></td><td class=\"s\">";
      if (!node.is_dir) out += display_size(node.size);
      out += "</td><td>";
      out += display_time(node.mtime);
      out += "</td></tr>\n";
    }
  }
  out += "</table>\n</body></html>\n";
  return out;
}

}  // namespace dav115::delivery

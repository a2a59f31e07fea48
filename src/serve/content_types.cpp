#include "dav115/serve/content_types.hpp"

#include <spdlog/spdlog.h>

#include <array>
#include <fstream>
#include <sstream>
#include <string>
#include <unordered_map>
#include <utility>

namespace dav115::serve {
namespace {

// Media files are most of what this gateway serves; where /etc/mime.types is silent or names another
// format for the extension, players and Windows expect these.
constexpr std::array<std::pair<std::string_view, std::string_view>, 16> kMediaOverrides{{
    {"3gp", "video/3gpp"},
    {"ape", "audio/x-ape"},
    {"ass", "text/x-ssa"},
    {"dsf", "audio/x-dsf"},
    {"idx", "text/plain"},
    {"m2ts", "video/mp2t"},
    {"mka", "audio/x-matroska"},
    {"mts", "video/mp2t"},
    {"nfo", "text/plain"},
    {"rm", "application/vnd.rn-realmedia"},
    {"rmvb", "application/vnd.rn-realmedia-vbr"},
    {"srt", "application/x-subrip"},
    {"ssa", "text/x-ssa"},
    {"sub", "text/plain"},
    {"ts", "video/mp2t"},
    {"vob", "video/mpeg"},
}};

std::string lower_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

struct Table {
  std::unordered_map<std::string, std::string> types;  // lower-case extension -> type
  std::size_t from_system = 0;
  std::size_t longest = 0;
};

Table load_table() {
  Table t;
  std::ifstream in{std::string(kSystemMimeTypesFile)};
  if (!in) spdlog::warn("{} is missing (Debian package media-types): most files will be {}", kSystemMimeTypesFile,
                        kDefaultContentType);
  std::string line;
  while (std::getline(in, line)) {
    line = line.substr(0, line.find('#'));
    std::istringstream words(line);
    std::string type, ext;
    if (!(words >> type)) continue;
    while (words >> ext) t.types.emplace(lower_ascii(ext), type);  // the first mention wins, as in nginx
  }
  t.from_system = t.types.size();
  for (const auto& [ext, type] : kMediaOverrides) t.types[std::string(ext)] = std::string(type);
  for (const auto& [ext, type] : t.types) t.longest = std::max(t.longest, ext.size());
  return t;
}

const Table& table() {
  static const Table t = load_table();  // initialised once, thread-safe (C++11 magic statics)
  return t;
}

}  // namespace

std::string_view content_type_for(std::string_view file_name) {
  auto dot = file_name.rfind('.');
  if (dot == std::string_view::npos || dot + 1 == file_name.size()) return kDefaultContentType;
  std::string_view ext = file_name.substr(dot + 1);
  const Table& t = table();
  if (ext.size() > t.longest) return kDefaultContentType;
  auto it = t.types.find(lower_ascii(ext));
  return it == t.types.end() ? kDefaultContentType : std::string_view(it->second);
}

std::size_t system_mime_type_count() { return table().from_system; }

}  // namespace dav115::serve

#include "dav115/webdav/content_types.hpp"

#include <algorithm>
#include <array>
#include <utility>

namespace dav115::webdav {
namespace {

using Mapping = std::pair<std::string_view, std::string_view>;

// Sorted by extension (checked by a static_assert below) for binary search.
constexpr std::array kTypes = std::to_array<Mapping>({
    {"3gp", "video/3gpp"},
    {"7z", "application/x-7z-compressed"},
    {"aac", "audio/aac"},
    {"ape", "audio/x-ape"},
    {"ass", "text/x-ssa"},
    {"avi", "video/x-msvideo"},
    {"bmp", "image/bmp"},
    {"css", "text/css"},
    {"csv", "text/csv"},
    {"doc", "application/msword"},
    {"docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
    {"dsf", "audio/x-dsf"},
    {"epub", "application/epub+zip"},
    {"flac", "audio/flac"},
    {"flv", "video/x-flv"},
    {"gif", "image/gif"},
    {"gz", "application/gzip"},
    {"heic", "image/heic"},
    {"htm", "text/html"},
    {"html", "text/html"},
    {"idx", "text/plain"},
    {"iso", "application/x-iso9660-image"},
    {"jpeg", "image/jpeg"},
    {"jpg", "image/jpeg"},
    {"js", "text/javascript"},
    {"json", "application/json"},
    {"m2ts", "video/mp2t"},
    {"m3u", "audio/x-mpegurl"},
    {"m3u8", "application/vnd.apple.mpegurl"},
    {"m4a", "audio/mp4"},
    {"m4v", "video/x-m4v"},
    {"md", "text/markdown"},
    {"mka", "audio/x-matroska"},
    {"mkv", "video/x-matroska"},
    {"mov", "video/quicktime"},
    {"mp3", "audio/mpeg"},
    {"mp4", "video/mp4"},
    {"mpeg", "video/mpeg"},
    {"mpg", "video/mpeg"},
    {"mts", "video/mp2t"},
    {"nfo", "text/plain"},
    {"oga", "audio/ogg"},
    {"ogg", "audio/ogg"},
    {"ogv", "video/ogg"},
    {"opus", "audio/opus"},
    {"pdf", "application/pdf"},
    {"png", "image/png"},
    {"ppt", "application/vnd.ms-powerpoint"},
    {"pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"},
    {"rar", "application/vnd.rar"},
    {"rm", "application/vnd.rn-realmedia"},
    {"rmvb", "application/vnd.rn-realmedia-vbr"},
    {"srt", "application/x-subrip"},
    {"ssa", "text/x-ssa"},
    {"sub", "text/plain"},
    {"sup", "application/octet-stream"},
    {"svg", "image/svg+xml"},
    {"tar", "application/x-tar"},
    {"tif", "image/tiff"},
    {"tiff", "image/tiff"},
    {"ts", "video/mp2t"},
    {"txt", "text/plain"},
    {"vob", "video/mpeg"},
    {"vtt", "text/vtt"},
    {"wav", "audio/wav"},
    {"webm", "video/webm"},
    {"webp", "image/webp"},
    {"wma", "audio/x-ms-wma"},
    {"wmv", "video/x-ms-wmv"},
    {"xls", "application/vnd.ms-excel"},
    {"xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
    {"xml", "application/xml"},
    {"zip", "application/zip"},
});

constexpr bool is_sorted_table() {
  for (std::size_t i = 1; i < kTypes.size(); ++i)
    if (!(kTypes[i - 1].first < kTypes[i].first)) return false;
  return true;
}
static_assert(is_sorted_table(), "kTypes must stay sorted for binary search");

constexpr std::size_t kLongestExtension = 4;

}  // namespace

std::string_view content_type_for(std::string_view file_name) {
  auto dot = file_name.rfind('.');
  if (dot == std::string_view::npos || dot + 1 == file_name.size()) return kDefaultContentType;
  std::string_view ext = file_name.substr(dot + 1);
  if (ext.size() > kLongestExtension) return kDefaultContentType;
  char lower[kLongestExtension];
  for (std::size_t i = 0; i < ext.size(); ++i) {
    char c = ext[i];
    lower[i] = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  }
  std::string_view key(lower, ext.size());
  auto it = std::lower_bound(kTypes.begin(), kTypes.end(), key,
                             [](const Mapping& m, std::string_view k) { return m.first < k; });
  if (it != kTypes.end() && it->first == key) return it->second;
  return kDefaultContentType;
}

}  // namespace dav115::webdav

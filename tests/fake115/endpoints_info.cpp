// GET|POST /open/folder/get_info and GET /open/user/info.
#include <cstdio>
#include <functional>

#include "endpoints.hpp"

namespace dav115::fake115 {

std::string format_size(std::uint64_t bytes) {
  static const char* units[] = {"B", "KB", "MB", "GB", "TB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f%s", v, units[u]);
  return buf;
}

// Either `file_id` (GET query) or `path` (POST form, "/a/b" or ">a>b"). Unknown id → 430004;
// unknown path → state true with data [] (both shapes occur on the real service).
ApiReply handle_get_info(Emulator& emu, const ApiRequest& req) {
  auto tree = emu.tree();
  const Node* n = nullptr;
  if (req.has("path")) {
    n = tree->resolve_path(req.param("path"));
    if (!n) return proapi_ok(nlohmann::json::array());
  } else {
    const std::string id = req.param("file_id");
    if (id.empty()) return proapi_error(40100000, "参数缺失");
    n = tree->find(id);
    if (!n) return proapi_error(430004, "文件（夹）不存在或已删除");
  }
  std::uint64_t bytes = n->size, files = 0, folders = 0;
  if (n->is_dir) {
    std::function<void(const Node&)> walk = [&](const Node& d) {
      for (const Node* c : tree->children(d)) {
        if (c->is_dir) {
          ++folders;
          walk(*c);
        } else {
          ++files;
          bytes += c->size;
        }
      }
    };
    walk(*n);
  }
  nlohmann::json paths = nlohmann::json::array();
  for (const Node* a : tree->ancestors(*n)) paths.push_back({{"file_id", a->id}, {"file_name", a->id == "0" ? "根目录" : a->name}});
  nlohmann::json data = {{"file_id", n->id},
                         {"file_name", n->name},
                         {"file_category", n->is_dir ? "0" : "1"},
                         {"pick_code", n->pick_code},
                         {"sha1", emu.sha1_of(*n)},
                         {"size", format_size(bytes)},
                         {"size_byte", bytes},
                         {"count", files},
                         {"folder_count", folders},
                         {"play_long", 0},
                         {"show_play_long", 0},
                         {"ptime", std::to_string(n->ctime)},
                         {"utime", std::to_string(n->mtime)},
                         {"is_mark", "0"},
                         {"open_time", 0},
                         {"paths", paths}};
  return proapi_ok(std::move(data));
}

ApiReply handle_user_info(Emulator& emu, const ApiRequest& req) {
  constexpr std::uint64_t total = 8ull << 40;  // an 8 TiB VIP account
  const std::uint64_t used = emu.tree()->total_file_bytes();
  auto space = [](std::uint64_t v) { return nlohmann::json{{"size", v}, {"size_format", format_size(v)}}; };
  return proapi_ok({{"user_id", 100000001},
                    {"user_name", "fake115"},
                    {"user_face_s", ""},
                    {"user_face_m", ""},
                    {"user_face_l", ""},
                    {"rt_space_info",
                     {{"all_total", space(total)}, {"all_remain", space(total - used)}, {"all_use", space(used)}}},
                    {"vip_info", {{"level_name", "年费VIP"}, {"expire", 4102444800}}}});
}

}  // namespace dav115::fake115

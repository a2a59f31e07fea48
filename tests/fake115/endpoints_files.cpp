// GET /open/ufile/files (folder listing) and GET /open/ufile/search.
#include <algorithm>
#include <cctype>
#include <functional>

#include "endpoints.hpp"

namespace dav115::fake115 {
namespace {

constexpr int kMaxListLimit = 1150;
constexpr int kDefaultLimit = 20;

long long to_int(const std::string& s, long long fallback) {
  try {
    std::size_t used = 0;
    long long v = std::stoll(s, &used);
    return used == s.size() ? v : fallback;
  } catch (...) {
    return fallback;
  }
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// 115's breadcrumbs from the root down to the listed folder itself.
nlohmann::json breadcrumbs(const TreeModel& tree, const Node& dir) {
  nlohmann::json path = nlohmann::json::array();
  auto chain = tree.ancestors(dir);
  chain.push_back(&dir);
  for (const Node* n : chain) {
    path.push_back({{"name", n->id == "0" ? "根目录" : n->name},
                    {"aid", "1"},
                    {"cid", n->id},
                    {"pid", n->parent_id.empty() ? "0" : n->parent_id},
                    {"isp", "0"},
                    {"p_cid", n->parent_id.empty() ? "0" : n->parent_id},
                    {"fv", "0"}});
  }
  return path;
}

}  // namespace

std::string extension_of(const std::string& name) {
  auto dot = name.rfind('.');
  return dot == std::string::npos || dot == 0 ? "" : lower(name.substr(dot + 1));
}

nlohmann::json listing_entry(Emulator& emu, const TreeModel& tree, const Node& n) {
  return {{"fid", n.id},
          {"aid", "1"},
          {"pid", n.parent_id},
          {"fc", n.is_dir ? "0" : "1"},
          {"fn", n.name},
          {"fco", ""},
          {"ism", n.starred ? "1" : "0"},
          {"isp", 0},
          {"pc", n.pick_code},
          {"upt", n.mtime},
          {"uet", n.mtime},
          {"uppt", n.ctime},
          {"cm", 0},
          {"fdesc", ""},
          {"ispl", 0},
          {"fl", nlohmann::json::array()},
          {"sha1", emu.sha1_of(n)},
          {"fs", n.is_dir ? 0 : n.size},
          {"fta", "1"},
          {"ico", n.is_dir ? "" : extension_of(n.name)},
          {"fatr", "0"},
          {"isv", 0},
          {"def", 0},
          {"def2", 0},
          {"play_long", 0},
          {"thumb", ""},
          {"uo", ""},
          {"v_img", ""}};
}

ApiReply handle_list_files(Emulator& emu, const ApiRequest& req) {
  auto tree = emu.tree();
  std::string cid = req.has("cid") ? req.param("cid") : "0";
  const Node* dir = tree->find(cid);
  if (!dir || !dir->is_dir) {
    // 115 has been seen answering an unknown cid with another folder's listing (clients must check the
    // echoed cid); --missing-cid error answers 430004 instead.
    if (emu.opts.missing_cid == "error") return proapi_error(430004, "文件（夹）不存在或已删除");
    dir = &tree->root();
  }
  long long limit = to_int(req.param("limit"), kDefaultLimit);
  if (limit <= 0) limit = kDefaultLimit;
  limit = std::min<long long>(limit, kMaxListLimit);
  long long offset = std::max<long long>(0, to_int(req.param("offset"), 0));
  const bool show_dir = req.param("show_dir") == "1";
  const std::string order = req.has("o") ? req.param("o") : "file_name";
  const bool asc = req.param("asc") != "0";
  const bool dirs_first = req.param("custom_order") != "2";

  std::vector<const Node*> entries;
  for (const Node* c : tree->children(*dir))
    if (show_dir || !c->is_dir) entries.push_back(c);

  std::function<bool(const Node*, const Node*)> less;
  if (order == "file_size")
    less = [](auto a, auto b) { return a->size < b->size; };
  else if (order == "user_utime" || order == "user_ptime")
    less = [](auto a, auto b) { return a->mtime < b->mtime; };
  else if (order == "file_type")
    less = [](auto a, auto b) { return extension_of(a->name) < extension_of(b->name); };
  else
    less = [](auto a, auto b) { return a->name < b->name; };
  std::stable_sort(entries.begin(), entries.end(), [&](const Node* a, const Node* b) {
    if (dirs_first && a->is_dir != b->is_dir) return a->is_dir;
    return asc ? less(a, b) : less(b, a);
  });

  nlohmann::json data = nlohmann::json::array();
  for (long long i = offset; i < static_cast<long long>(entries.size()) && i < offset + limit; ++i)
    data.push_back(listing_entry(emu, *tree, *entries[i]));

  nlohmann::json extra = {{"count", entries.size()},
                          {"sys_count", 0},
                          {"offset", offset},
                          {"limit", limit},
                          {"cid", std::stoull(dir->id)},  // a number, unlike everywhere else
                          {"aid", "1"},
                          {"is_asc", asc ? 1 : 0},
                          {"order", order},
                          {"star", 0},
                          {"type", 0},
                          {"suffix", ""},
                          {"cur", 1},
                          {"stdir", 0},
                          {"path", breadcrumbs(*tree, *dir)}};
  return proapi_ok(std::move(data), std::move(extra));
}

ApiReply handle_search(Emulator& emu, const ApiRequest& req) {
  auto tree = emu.tree();
  const std::string needle = req.param("search_value");
  if (needle.empty()) return proapi_error(40100000, "参数缺失");
  long long limit = to_int(req.param("limit"), kDefaultLimit);
  if (limit <= 0) limit = kDefaultLimit;
  long long offset = std::max<long long>(0, to_int(req.param("offset"), 0));
  if (offset + limit > 10000) limit = std::max<long long>(0, 10000 - offset);
  const std::string cid = req.has("cid") ? req.param("cid") : "0";
  const std::string fc = req.param("fc");  // 1 = folders only, 2 = files only (not the listing's fc!)

  std::vector<const Node*> hits;
  const Node* scope = cid == "-1" ? nullptr : tree->find(cid);
  if (scope && scope->is_dir) {
    const std::string lneedle = lower(needle);
    std::function<void(const Node&)> walk = [&](const Node& d) {
      for (const Node* c : tree->children(d)) {
        bool kind_ok = fc == "1" ? c->is_dir : fc == "2" ? !c->is_dir : true;
        bool match = lower(c->name).find(lneedle) != std::string::npos ||
                     (!c->is_dir && needle.size() == 40 && emu.sha1_of(*c) == needle);
        if (kind_ok && match) hits.push_back(c);
        if (c->is_dir) walk(*c);
      }
    };
    walk(*scope);
  }
  nlohmann::json data = nlohmann::json::array();
  for (long long i = offset; i < static_cast<long long>(hits.size()) && i < offset + limit; ++i) {
    const Node& n = *hits[i];
    data.push_back({{"file_id", n.id},
                    {"user_id", "100000001"},
                    {"sha1", emu.sha1_of(n)},
                    {"file_name", n.name},
                    {"file_size", std::to_string(n.is_dir ? 0 : n.size)},
                    {"user_ptime", std::to_string(n.ctime)},
                    {"user_utime", std::to_string(n.mtime)},
                    {"pick_code", n.pick_code},
                    {"parent_id", n.parent_id},
                    {"area_id", "1"},
                    {"is_private", 0},
                    {"file_category", n.is_dir ? "0" : "1"},
                    {"ico", n.is_dir ? "" : extension_of(n.name)}});
  }
  return proapi_ok(std::move(data), {{"count", hits.size()}, {"limit", limit}, {"offset", offset}});
}

}  // namespace dav115::fake115

// The write endpoints (115-open-api.md §3.6–3.11): POST /open/folder/add, /open/ufile/move, /open/ufile/copy,
// /open/ufile/update, /open/ufile/delete, GET /open/rb/list, POST /open/rb/revert, /open/rb/del.
// Each one validates everything first and then changes a private copy of the tree, so a refused call
// changes nothing; the copy replaces the tree under write_mu.
#include <algorithm>
#include <chrono>
#include <sstream>

#include "endpoints.hpp"

namespace dav115::fake115 {
namespace {

constexpr std::size_t kMaxNameBytes = 255;
constexpr std::size_t kMaxIdsPerCall = 50000;  // P115: at most 50 000 items per move/copy/delete
constexpr std::size_t kMaxRbIds = 1150;

ApiReply not_found() { return proapi_error(430004, "文件（夹）不存在或已删除"); }
ApiReply missing() { return proapi_error(40100000, "参数缺失"); }

std::vector<std::string> split_ids(const std::string& csv) {
  std::vector<std::string> out;
  std::stringstream ss(csv);
  std::string id;
  while (std::getline(ss, id, ','))
    if (!id.empty() && std::find(out.begin(), out.end(), id) == out.end()) out.push_back(id);
  return out;
}

const Node* child_named(const TreeModel& tree, const Node& dir, const std::string& name, bool dirs_only) {
  for (const Node* c : tree.children(dir))
    if (c->name == name && (!dirs_only || c->is_dir)) return c;
  return nullptr;
}

// Every id must name a live node other than the root; nullopt when they all do.
std::optional<ApiReply> check_ids(const TreeModel& tree, const std::vector<std::string>& ids) {
  if (ids.empty()) return missing();
  if (ids.size() > kMaxIdsPerCall) return proapi_error(91004, "操作的文件(夹)数量超过5万个");
  for (const auto& id : ids)
    if (id == "0" || !tree.find(id)) return not_found();
  return std::nullopt;
}

std::shared_ptr<TreeModel> private_copy(Emulator& emu) { return std::make_shared<TreeModel>(*emu.tree()); }

}  // namespace

ApiReply handle_folder_add(Emulator& emu, const ApiRequest& req) {
  const std::string pid = req.has("pid") ? req.param("pid") : "0";
  const std::string name = req.param("file_name");
  if (name.empty()) return missing();
  if (name.size() > kMaxNameBytes) return proapi_error(20018, "文件名称过长");
  std::lock_guard lk(emu.write_mu);
  auto tree = private_copy(emu);
  const Node* parent = tree->find(pid);
  if (!parent || !parent->is_dir) return not_found();
  if (child_named(*tree, *parent, name, true)) return proapi_error(20004, "该目录名称已存在");
  Node n;
  n.parent_id = pid;
  n.name = name;
  n.is_dir = true;
  n.mtime = n.ctime = unix_now();
  const std::string id = tree->add(std::move(n)).id;
  emu.replace_tree(tree);
  return proapi_ok({{"file_name", name}, {"file_id", id}});
}

ApiReply handle_move(Emulator& emu, const ApiRequest& req) {
  const auto ids = split_ids(req.param("file_ids"));
  const std::string to = req.has("to_cid") ? req.param("to_cid") : "0";
  std::lock_guard lk(emu.write_mu);
  auto tree = private_copy(emu);
  if (auto bad = check_ids(*tree, ids)) return *bad;
  const Node* dest = tree->find(to);
  if (!dest || !dest->is_dir) return not_found();
  for (const auto& id : ids)
    if (tree->is_within(to, id)) return proapi_error(91002, "不能移动到自身或其子目录下");
  for (const auto& id : ids) tree->move(id, to);
  emu.replace_tree(tree);
  return proapi_ok(nlohmann::json::array());
}

ApiReply handle_copy(Emulator& emu, const ApiRequest& req) {
  const auto ids = split_ids(req.param("file_id"));
  const std::string to = req.has("pid") ? req.param("pid") : "0";
  // The doc names it `nodupli`; OpenList's SDK sends `no_dupli`: both are understood.
  const bool no_dupli = req.param("nodupli") == "1" || req.param("no_dupli") == "1";
  std::lock_guard lk(emu.write_mu);
  auto tree = private_copy(emu);
  if (auto bad = check_ids(*tree, ids)) return *bad;
  const Node* dest = tree->find(to);
  if (!dest || !dest->is_dir) return not_found();
  for (const auto& id : ids) {
    if (tree->is_within(to, id)) return proapi_error(91002, "不能复制到自身或其子目录下");
    if (no_dupli && child_named(*tree, *dest, tree->find(id)->name, false))
      return proapi_error(20004, "目标目录中已存在同名文件");
  }
  for (const auto& id : ids) tree->copy(id, to);
  emu.replace_tree(tree);
  return proapi_ok(nlohmann::json::array());
}

// Rename (file_name) and/or star (star=1/0). Several ids as file_id[0], file_id[1], … (P115) for star.
ApiReply handle_update(Emulator& emu, const ApiRequest& req) {
  std::vector<std::string> ids;
  if (req.has("file_id")) ids.push_back(req.param("file_id"));
  for (const auto* m : {&req.form, &req.query})
    for (const auto& [k, v] : *m)
      if (k.rfind("file_id[", 0) == 0 && std::find(ids.begin(), ids.end(), v) == ids.end()) ids.push_back(v);
  const bool rename = req.has("file_name"), star = req.has("star");
  const std::string name = req.param("file_name");
  if (ids.empty() || (!rename && !star) || (rename && name.empty())) return missing();
  if (rename && ids.size() != 1) return proapi_error(40100000, "参数错误");
  if (name.size() > kMaxNameBytes) return proapi_error(20018, "文件名称过长");
  const bool starred = req.param("star") == "1";
  std::lock_guard lk(emu.write_mu);
  auto tree = private_copy(emu);
  for (const auto& id : ids) {
    auto apply = [&](Node& n) {
      if (rename) n.name = name;
      if (star) n.starred = starred;
    };
    if (Node* n = id == "0" ? nullptr : tree->find_mutable(id)) {
      apply(*n);
      continue;
    }
    // P115: update succeeds on deleted files too.
    auto it = std::find_if(emu.recycle_bin.items.begin(), emu.recycle_bin.items.end(),
                           [&](const RecycledItem& r) { return r.top().id == id; });
    if (it == emu.recycle_bin.items.end()) return not_found();
    apply(it->nodes.front());
  }
  emu.replace_tree(tree);
  nlohmann::json data = {{"file_name", name}, {"star", star ? (starred ? "1" : "0") : ""}};
  return proapi_ok(std::move(data));
}

// To the recycle bin, folders with everything inside. `parent_id` is optional and only informative.
ApiReply handle_delete(Emulator& emu, const ApiRequest& req) {
  const auto ids = split_ids(req.param("file_ids"));
  std::lock_guard lk(emu.write_mu);
  auto tree = private_copy(emu);
  if (auto bad = check_ids(*tree, ids)) return *bad;
  const std::int64_t now = unix_now();
  nlohmann::json data = nlohmann::json::array();
  for (const auto& id : ids) {
    const Node* n = tree->find(id);
    if (!n) continue;  // inside a folder deleted by an earlier id of this call
    RecycledItem item;
    item.parent_id = n->parent_id;
    const Node* parent = tree->find(n->parent_id);
    item.parent_name = parent && parent->id != "0" ? parent->name : "根目录";
    item.dtime = now;
    item.nodes = tree->detach(id);
    emu.recycle_bin.items.push_back(std::move(item));
    data.push_back(id);
  }
  emu.replace_tree(tree);
  return proapi_ok(std::move(data));
}

ApiReply handle_rb_list(Emulator& emu, const ApiRequest& req) {
  auto to_int = [](const std::string& s, long long fallback) {
    try {
      return s.empty() ? fallback : std::stoll(s);
    } catch (...) {
      return fallback;
    }
  };
  long long limit = to_int(req.param("limit"), 30);
  if (limit <= 0) limit = 30;
  limit = std::min<long long>(limit, 200);
  const long long offset = std::max<long long>(0, to_int(req.param("offset"), 0));
  std::lock_guard lk(emu.write_mu);
  const auto& items = emu.recycle_bin.items;
  nlohmann::json data = {{"offset", offset}, {"limit", limit}, {"count", std::to_string(items.size())}, {"rb_pass", 0}};
  // Newest first.
  for (long long i = offset; i < static_cast<long long>(items.size()) && i < offset + limit; ++i) {
    const RecycledItem& r = items[items.size() - 1 - static_cast<std::size_t>(i)];
    const Node& n = r.top();
    data[n.id] = {{"id", n.id},
                  {"file_name", n.name},
                  {"type", n.is_dir ? "2" : "1"},
                  {"file_size", std::to_string(n.is_dir ? 0 : n.size)},
                  {"dtime", std::to_string(r.dtime)},
                  {"thumb_url", ""},
                  {"status", "0"},
                  {"cid", r.parent_id},
                  {"parent_name", r.parent_name},
                  {"pick_code", n.pick_code},
                  {"sha1", n.is_dir ? "" : emu.sha1_of(n)}};
  }
  return proapi_ok(std::move(data));
}

// Back to the original folder, or to the root when that folder is gone (UNCONFIRMED on the real service).
ApiReply handle_rb_revert(Emulator& emu, const ApiRequest& req) {
  const auto ids = split_ids(req.param("tid"));
  if (ids.empty()) return missing();
  if (ids.size() > kMaxRbIds) return proapi_error(40100000, "参数错误");
  std::lock_guard lk(emu.write_mu);
  auto tree = private_copy(emu);
  auto& items = emu.recycle_bin.items;
  nlohmann::json data = nlohmann::json::object();
  for (const auto& id : ids) {
    auto it = std::find_if(items.begin(), items.end(), [&](const RecycledItem& r) { return r.top().id == id; });
    if (it == items.end()) {
      data[id] = {{"state", false}, {"error", "文件（夹）不存在或已删除"}, {"errno", 430004}};
      continue;
    }
    const Node* parent = tree->find(it->parent_id);
    tree->reattach(std::move(it->nodes), parent && parent->is_dir ? it->parent_id : "0");
    items.erase(it);
    data[id] = {{"state", true}, {"error", ""}, {"errno", 0}};
  }
  emu.replace_tree(tree);
  return proapi_ok(std::move(data));
}

// Permanently. Without `tid` the whole recycle bin is emptied (as documented: dangerous on purpose).
ApiReply handle_rb_del(Emulator& emu, const ApiRequest& req) {
  const auto ids = split_ids(req.param("tid"));
  if (ids.size() > kMaxRbIds) return proapi_error(40100000, "参数错误");
  std::lock_guard lk(emu.write_mu);
  auto& items = emu.recycle_bin.items;
  nlohmann::json data = nlohmann::json::array();
  if (!req.has("tid") || ids.empty()) {
    for (const auto& r : items) data.push_back(r.top().id);
    items.clear();
    return proapi_ok(std::move(data));
  }
  for (const auto& id : ids) {
    auto it = std::find_if(items.begin(), items.end(), [&](const RecycledItem& r) { return r.top().id == id; });
    if (it == items.end()) continue;
    items.erase(it);
    data.push_back(id);
  }
  return proapi_ok(std::move(data));
}

}  // namespace dav115::fake115

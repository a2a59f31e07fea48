#include "tree_model.hpp"

#include "content.hpp"

#include <spdlog/fmt/fmt.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <stdexcept>

namespace dav115::fake115 {
namespace {

constexpr std::int64_t kDefaultMtime = 1700000000;  // 2023-11-14, any fixed instant will do

}  // namespace

std::string pick_code_for(const std::string& id) {
  static const char* alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : id) h = (h ^ c) * 1099511628211ull;
  std::string pc;
  std::uint64_t state = h;
  for (int i = 0; i < 17; ++i) {
    state = splitmix64(state);
    pc += alphabet[state % 36];
  }
  return pc;
}

std::string TreeModel::next_id() {
  // 19 digits, spread out so ids do not look sequential (clients must treat them as opaque strings).
  return std::to_string(2875000000000000000ull + next_seq_++ * 1000003ull + 17);
}

Node& TreeModel::add(Node node) {
  if (node.id.empty()) node.id = next_id();
  if (node.pick_code.empty()) node.pick_code = pick_code_for(node.id);
  if (node.ctime == 0) node.ctime = node.mtime;
  auto parent = nodes_.find(node.parent_id);
  if (parent == nodes_.end() || !parent->second.is_dir) throw std::runtime_error("bad parent " + node.parent_id);
  parent->second.children.push_back(node.id);
  by_pick_code_[node.pick_code] = node.id;
  auto id = node.id;
  return nodes_[id] = std::move(node);
}

void TreeModel::add_entries(const nlohmann::json& entries, const std::string& parent_id, const LoadOptions& opts) {
  if (!entries.is_array()) throw std::runtime_error("fixture: entries must be an array");
  for (const auto& e : entries) {
    if (e.contains("generate")) {
      if (e.value("optional", false) && !opts.include_optional) continue;
      const auto& g = e["generate"];
      const int count = g.at("count").get<int>();
      const std::string pattern = g.at("name").get<std::string>();
      for (int i = 0; i < count; ++i) {
        Node n;
        n.parent_id = parent_id;
        n.name = fmt::format(fmt::runtime(pattern), i);
        n.is_dir = g.value("dir", false);
        n.size = n.is_dir ? 0 : g.value("size", std::uint64_t{0});
        n.mtime = g.value("mtime", kDefaultMtime) + i;
        if (n.size > opts.max_file_size) continue;
        add(std::move(n));
      }
      continue;
    }
    Node n;
    n.parent_id = parent_id;
    n.name = e.at("name").get<std::string>();
    n.is_dir = e.contains("children") || e.value("dir", false);
    n.mtime = e.value("mtime", kDefaultMtime);
    n.ctime = e.value("ctime", n.mtime);
    if (!n.is_dir) {
      if (e.contains("local_path")) {
        std::filesystem::path p = e["local_path"].get<std::string>();
        if (p.is_relative()) p = std::filesystem::path(opts.base_dir) / p;
        n.local_path = std::filesystem::absolute(p).string();
        n.size = std::filesystem::file_size(n.local_path);  // throws if missing: a broken fixture
      } else {
        n.size = e.value("size", std::uint64_t{0});
      }
      if (n.size > opts.max_file_size) continue;
    }
    Node& added = add(std::move(n));
    if (added.is_dir && e.contains("children")) {
      std::string id = added.id;  // `added` may move when the map rehashes
      add_entries(e["children"], id, opts);
    }
  }
}

TreeModel TreeModel::load(const nlohmann::json& fixture, const LoadOptions& opts) {
  TreeModel t;
  Node root;
  root.id = "0";
  root.is_dir = true;
  root.mtime = root.ctime = kDefaultMtime;
  t.nodes_["0"] = root;
  t.add_entries(fixture.at("root"), "0", opts);
  return t;
}

nlohmann::json TreeModel::builtin_fixture() {
  return nlohmann::json::parse(R"({"root": [
    {"name": "docs", "children": [{"name": "readme.txt", "size": 1234}]},
    {"name": "hello.txt", "size": 13}
  ]})");
}

const Node* TreeModel::find(const std::string& id) const {
  auto it = nodes_.find(id);
  return it == nodes_.end() ? nullptr : &it->second;
}

const Node* TreeModel::find_by_pick_code(const std::string& pick_code) const {
  auto it = by_pick_code_.find(pick_code);
  return it == by_pick_code_.end() ? nullptr : find(it->second);
}

const Node* TreeModel::resolve_path(const std::string& path) const {
  if (path.empty() || (path[0] != '/' && path[0] != '>')) return nullptr;
  const char sep = path[0];
  const Node* cur = &root();
  std::size_t pos = 1;
  while (pos <= path.size()) {
    std::size_t end = path.find(sep, pos);
    if (end == std::string::npos) end = path.size();
    std::string seg = path.substr(pos, end - pos);
    pos = end + 1;
    if (seg.empty()) continue;
    if (!cur->is_dir) return nullptr;
    const Node* next = nullptr;
    for (const auto& cid : cur->children) {
      const Node* c = find(cid);
      if (c->name == seg) {
        next = c;
        break;
      }
    }
    if (!next) return nullptr;
    cur = next;
  }
  return cur;
}

std::vector<const Node*> TreeModel::children(const Node& dir) const {
  std::vector<const Node*> out;
  out.reserve(dir.children.size());
  for (const auto& id : dir.children) out.push_back(find(id));
  return out;
}

std::vector<const Node*> TreeModel::ancestors(const Node& node) const {
  std::vector<const Node*> out;
  for (const Node* p = find(node.parent_id); p; p = find(p->parent_id)) out.insert(out.begin(), p);
  return out;
}

std::string TreeModel::relative_path(const Node& node) const {
  if (node.id == "0") return "";
  std::string path;
  for (const Node* a : ancestors(node))
    if (a->id != "0") path += a->name + "/";
  return path + node.name;
}

std::vector<const Node*> TreeModel::all() const {
  std::vector<const Node*> out;
  std::function<void(const Node&)> walk = [&](const Node& dir) {
    for (const auto& id : dir.children) {
      const Node* c = find(id);
      out.push_back(c);
      if (c->is_dir) walk(*c);
    }
  };
  walk(root());
  return out;
}

Node* TreeModel::find_mutable(const std::string& id) {
  auto it = nodes_.find(id);
  return it == nodes_.end() ? nullptr : &it->second;
}

std::vector<Node> TreeModel::detach(const std::string& id) {
  std::vector<Node> out;
  if (id == "0" || !find(id)) return out;
  auto& siblings = nodes_.at(nodes_.at(id).parent_id).children;
  siblings.erase(std::remove(siblings.begin(), siblings.end(), id), siblings.end());
  std::function<void(const std::string&)> take = [&](const std::string& nid) {
    auto it = nodes_.find(nid);
    out.push_back(std::move(it->second));
    nodes_.erase(it);
    by_pick_code_.erase(out.back().pick_code);
    const auto kids = out.back().children;  // copy: `out` may reallocate below
    for (const auto& c : kids) take(c);
  };
  take(id);
  return out;
}

void TreeModel::reattach(std::vector<Node> nodes, const std::string& parent_id) {
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    nodes[i].children.clear();  // add() rebuilds them, parents come first
    if (i == 0) nodes[i].parent_id = parent_id;
    add(std::move(nodes[i]));
  }
}

void TreeModel::move(const std::string& id, const std::string& new_parent_id) {
  Node& n = nodes_.at(id);
  auto& old_siblings = nodes_.at(n.parent_id).children;
  old_siblings.erase(std::remove(old_siblings.begin(), old_siblings.end(), id), old_siblings.end());
  n.parent_id = new_parent_id;
  nodes_.at(new_parent_id).children.push_back(id);
}

std::string TreeModel::copy(const std::string& id, const std::string& new_parent_id) {
  Node c = nodes_.at(id);
  const auto kids = c.children;
  if (!c.is_dir && c.content_id.empty()) c.content_id = c.id;  // generated bytes are keyed by the source id
  c.id.clear();
  c.pick_code.clear();
  c.children.clear();
  c.parent_id = new_parent_id;
  const std::string new_id = add(std::move(c)).id;
  for (const auto& k : kids) copy(k, new_id);
  return new_id;
}

bool TreeModel::is_within(const std::string& id, const std::string& ancestor_id) const {
  for (const Node* n = find(id); n; n = find(n->parent_id))
    if (n->id == ancestor_id) return true;
  return false;
}

std::uint64_t TreeModel::total_file_bytes() const {
  std::uint64_t total = 0;
  for (const auto& [id, n] : nodes_)
    if (!n.is_dir) total += n.size;
  return total;
}

}  // namespace dav115::fake115

#include "emulator.hpp"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <stdexcept>

namespace dav115::fake115 {

std::string ApiRequest::param(const std::string& name) const {
  if (auto it = form.find(name); it != form.end()) return it->second;
  if (auto it = query.find(name); it != query.end()) return it->second;
  return "";
}

bool ApiRequest::has(const std::string& name) const { return form.count(name) || query.count(name); }

ApiReply proapi_ok(nlohmann::json data, nlohmann::json extra) {
  nlohmann::json j = {{"state", true}, {"code", 0}, {"message", ""}, {"data", std::move(data)}};
  for (auto& [k, v] : extra.items()) j[k] = v;
  return {200, "application/json; charset=utf-8", j.dump(), "0"};
}

ApiReply proapi_error(long code, const std::string& message) {
  nlohmann::json j = {{"state", false}, {"code", code}, {"message", message}, {"data", nlohmann::json::array()}};
  return {200, "application/json; charset=utf-8", j.dump(), std::to_string(code)};
}

ApiReply passport_ok(nlohmann::json data) {
  nlohmann::json j = {{"state", 1}, {"code", 0}, {"message", ""}, {"data", std::move(data)}, {"error", ""}, {"errno", 0}};
  return {200, "application/json; charset=utf-8", j.dump(), "0"};
}

ApiReply passport_error(long code, const std::string& message) {
  nlohmann::json j = {{"state", 0},         {"code", code},   {"message", message},
                      {"data", nlohmann::json::object()}, {"error", message}, {"errno", code}};
  return {200, "application/json; charset=utf-8", j.dump(), std::to_string(code)};
}

void write_file_atomically(const std::string& path, const std::string& content) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc | std::ios::binary);
    out << content;
    if (!out) throw std::runtime_error("cannot write " + tmp);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) throw std::runtime_error("cannot rename " + tmp);
}

Emulator::Emulator(Options o, std::string dir, std::shared_ptr<const TreeModel> tree)
    : opts(std::move(o)),
      state_dir(std::move(dir)),
      sha1s(state_dir + "/sha1-cache.txt"),
      auth(AuthSettings{std::chrono::seconds(opts.access_ttl), std::chrono::seconds(opts.old_access_grace),
                        std::chrono::seconds(opts.min_refresh_interval)},
           opts.refresh_token, opts.access_token,
           [d = state_dir](const std::string& rt) { write_file_atomically(d + "/refresh_token", rt); }),
      device_logins(opts.app_id),
      limiter(opts.qps, opts.burst, opts.daily_quota),
      uploads(opts.upload_dir.empty() ? state_dir + "/oss" : opts.upload_dir),
      cdn_secret(AuthState::random_token()),
      tree_(std::move(tree)) {
  write_file_atomically(state_dir + "/access_token", auth.access_token());
  std::vector<ContentSource> files;
  for (const Node* n : tree_->all())
    if (!n->is_dir) files.push_back(source_of(*n));
  // Smallest first, so the huge file does not hold up the rest.
  std::stable_sort(files.begin(), files.end(), [](auto& a, auto& b) { return a.size < b.size; });
  sha1s.compute_in_background(std::move(files));
}

std::shared_ptr<const TreeModel> Emulator::tree() const {
  std::lock_guard lk(tree_mu_);
  return tree_;
}

void Emulator::replace_tree(std::shared_ptr<const TreeModel> tree) {
  std::lock_guard lk(tree_mu_);
  tree_ = std::move(tree);
}

std::string Emulator::sha1_of(const Node& file) {
  if (file.is_dir) return "";
  if (!file.sha1.empty()) return file.sha1;
  return sha1s.get(source_of(file));
}

}  // namespace dav115::fake115

#include "control.hpp"

#include <filesystem>

namespace dav115::fake115 {
namespace {

ApiReply json_reply(const nlohmann::json& j, unsigned status = 200) {
  return {status, "application/json; charset=utf-8", j.dump(2) + "\n", "http_" + std::to_string(status)};
}

void add_fail_rule(Emulator& emu, const nlohmann::json& f) {
  auto mode = parse_fault_mode(f.at("mode").get<std::string>());
  if (!mode) throw std::invalid_argument("unknown fault mode " + f.at("mode").get<std::string>());
  emu.faults.add_rule(f.value("path", "*"), *mode, f.value("count", 1));
}

}  // namespace

LoadOptions load_options_for(const Options& opts) {
  LoadOptions lo;
  lo.base_dir = opts.tree_file.empty() ? std::filesystem::current_path().string()
                                       : std::filesystem::absolute(opts.tree_file).parent_path().string();
  lo.include_optional = opts.include_optional;
  lo.max_file_size = opts.max_file_size;
  return lo;
}

nlohmann::json dump_tree(const TreeModel& tree, const std::function<std::string(const Node&)>& sha1_of) {
  nlohmann::json entries = nlohmann::json::array();
  for (const Node* n : tree.all()) {
    entries.push_back({{"path", tree.relative_path(*n)},
                       {"id", n->id},
                       {"parent_id", n->parent_id},
                       {"name", n->name},
                       {"is_dir", n->is_dir},
                       {"size", n->size},
                       {"mtime", n->mtime},
                       {"ctime", n->ctime},
                       {"sha1", sha1_of(*n)},
                       {"pick_code", n->pick_code}});
  }
  return {{"root_id", "0"}, {"entries", entries}};
}

// Applies a control document; returns what the caller should see besides "ok" (e.g. a new token).
nlohmann::json apply_control(Emulator& emu, const nlohmann::json& doc) {
  nlohmann::json out = {{"ok", true}};
  if (!doc.is_object()) throw std::invalid_argument("control document must be a JSON object");
  if (doc.value("clear_faults", false)) emu.faults.clear();
  if (doc.value("reset_stats", false)) emu.stats.reset();
  if (doc.contains("latency_ms")) emu.faults.set_latency_ms(doc["latency_ms"].get<int>());
  if (doc.contains("passport_latency_ms")) emu.faults.set_passport_latency_ms(doc["passport_latency_ms"].get<int>());
  if (doc.contains("fail")) {
    if (doc["fail"].is_array())
      for (const auto& f : doc["fail"]) add_fail_rule(emu, f);
    else
      add_fail_rule(emu, doc["fail"]);
  }
  if (doc.contains("cdn_cut"))
    emu.faults.set_cdn_cut(doc["cdn_cut"].at("after_bytes").get<std::uint64_t>(), doc["cdn_cut"].value("count", 1));
  if (doc.contains("list_short_pages"))
    emu.faults.set_list_short_pages(doc["list_short_pages"].at("max_entries").get<int>(),
                                    doc["list_short_pages"].value("count", 1));
  if (doc.contains("list_shift")) emu.faults.set_list_shift(doc["list_shift"].value("count", 1));
  if (doc.value("expire_access_token", false)) emu.auth.expire_access_now();
  if (doc.value("revoke_refresh_token", false)) emu.auth.revoke();
  if (doc.value("reauthorize", false)) out["refresh_token"] = emu.auth.reauthorize();
  if (doc.contains("device_login"))  // what the next QR logins do, one status per poll
    emu.device_logins.set_script(doc["device_login"].at("script").get<std::vector<std::string>>(),
                                 doc["device_login"].value("open_codes_too", false));
  if (doc.contains("rate_limit")) {
    const auto& r = doc["rate_limit"];
    emu.limiter.configure(r.value("qps", emu.opts.qps), r.value("burst", emu.opts.burst),
                          r.value("daily_quota", emu.opts.daily_quota));
  }
  if (doc.value("expire_sts", false)) {  // every STS credential handed out so far stops working
    std::lock_guard lk(emu.write_mu);
    for (auto& [id, c] : emu.uploads.sts) c.expires_at = 0;
  }
  if (doc.contains("tree"))
    emu.replace_tree(std::make_shared<const TreeModel>(TreeModel::load(doc["tree"], load_options_for(emu.opts))));
  return out;
}

std::optional<ApiReply> handle_control(Emulator& emu, const std::string& method, const std::string& path,
                                       const std::map<std::string, std::string>& query, const std::string& body) {
  if (path == "/__stats") {
    nlohmann::json j = emu.stats.to_json();
    j["refresh_count"] = emu.auth.refresh_count();
    j["dead_refresh_token_uses"] = emu.auth.dead_refresh_token_uses();
    j["device_logins_started"] = emu.device_logins.started();
    j["access_token"] = emu.auth.access_token();
    j["refresh_token"] = emu.auth.refresh_token();
    j["access_expires_at"] = emu.auth.access_expires_at();
    j["quota_used_today"] = emu.limiter.used_today();
    j["faults"] = emu.faults.to_json();
    return json_reply(j);
  }
  if (path == "/__calls") {
    std::uint64_t since = 0;
    if (auto it = query.find("since"); it != query.end()) since = std::stoull(it->second);
    return json_reply(emu.stats.calls_since(since));
  }
  if (path == "/__tree") return json_reply(dump_tree(*emu.tree(), [&](const Node& n) { return emu.sha1_of(n); }));
  if (path == "/__control") {
    if (method != "POST") return json_reply({{"error", "POST a JSON document"}}, 405);
    try {
      return json_reply(apply_control(emu, nlohmann::json::parse(body)));
    } catch (const std::exception& e) {
      return json_reply({{"error", e.what()}}, 400);
    }
  }
  return std::nullopt;
}

}  // namespace dav115::fake115

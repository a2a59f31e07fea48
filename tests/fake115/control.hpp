#pragma once
// The test-facing endpoints (no auth): GET /__stats, GET /__calls?since=N, POST /__control, GET /__tree.
#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <optional>
#include <string>

#include "emulator.hpp"

namespace dav115::fake115 {

// nullopt when `path` is not a control endpoint.
std::optional<ApiReply> handle_control(Emulator& emu, const std::string& method, const std::string& path,
                                       const std::map<std::string, std::string>& query, const std::string& body);

// The fully expanded tree: {"entries": [{path, id, parent_id, name, is_dir, size, mtime, ctime, sha1, pick_code}]}.
nlohmann::json dump_tree(const TreeModel& tree, const std::function<std::string(const Node&)>& sha1_of);

// Applies one /__control document; throws std::exception on a bad one. See README.md for the keys.
nlohmann::json apply_control(Emulator& emu, const nlohmann::json& doc);  // {"ok":true, ...}

// LoadOptions for fixtures given at run time, resolved like the --tree file.
LoadOptions load_options_for(const Options& opts);

}  // namespace dav115::fake115

#include "support/fake115.hpp"

#include <algorithm>
#include <filesystem>

namespace dav115::test {

#ifndef DAV115_SUPPORT_FAKE115_BIN
#error "tests/fake115/CMakeLists.txt defines DAV115_SUPPORT_FAKE115_BIN for this library"
#endif

std::string Fake115::binary() { return DAV115_SUPPORT_FAKE115_BIN; }
std::string Fake115::standard_fixture() { return std::string(DAV115_SUPPORT_FIXTURES_DIR) + "/tree.json"; }

Fake115::Fake115(std::vector<std::string> extra_flags) : state_dir_(temp_dir("fake115")) {
  auto named = [&](const std::string& flag) {
    return std::any_of(extra_flags.begin(), extra_flags.end(),
                       [&](const std::string& f) { return f == flag || f.rfind(flag + "=", 0) == 0; });
  };
  std::vector<std::string> argv = {binary(), "--listen", "127.0.0.1:0", "--state-dir", state_dir_};
  if (!named("--tree")) argv.insert(argv.end(), {"--tree", standard_fixture()});
  if (!named("--max-file-size")) argv.insert(argv.end(), {"--max-file-size", std::to_string(64ull << 20)});
  argv.insert(argv.end(), extra_flags.begin(), extra_flags.end());
  proc_ = std::make_unique<ChildProcess>(argv, std::map<std::string, std::string>{}, state_dir_ + "/fake115.log");

  const std::string url_file = state_dir_ + "/base_url";
  bool up = wait_until([&] { return !proc_->running() || std::filesystem::exists(url_file); }, std::chrono::seconds(30));
  if (!up || !proc_->running()) throw std::runtime_error("fake115 did not start; log:\n" + proc_->log());
  base_url_ = read_text_file(url_file);
  while (!base_url_.empty() && (base_url_.back() == '\n' || base_url_.back() == '\r')) base_url_.pop_back();
  bool answers = wait_until(
      [&] {
        try {
          return http("GET", base_url_ + "/__stats").status == 200;
        } catch (const HttpError&) {
          return false;
        }
      },
      std::chrono::seconds(10), std::chrono::milliseconds(50));
  if (!answers) throw std::runtime_error("fake115 does not answer at " + base_url_ + "; log:\n" + proc_->log());
}

Fake115::~Fake115() { stop(); }

void Fake115::stop() {
  if (!proc_ || !proc_->running()) return;
  proc_->kill(SIGTERM);
  if (!proc_->wait_exit(std::chrono::seconds(10))) proc_->kill(SIGKILL);
}

std::string Fake115::base_url() const { return base_url_; }
std::string Fake115::state_dir() const { return state_dir_; }

nlohmann::json Fake115::stats() { return nlohmann::json::parse(http("GET", base_url_ + "/__stats").body); }

nlohmann::json Fake115::calls(std::uint64_t since) {
  return nlohmann::json::parse(http("GET", base_url_ + "/__calls?since=" + std::to_string(since)).body);
}

void Fake115::control(const nlohmann::json& doc) {
  auto r = http("POST", base_url_ + "/__control", {{"Content-Type", "application/json"}}, doc.dump());
  if (r.status != 200) throw std::runtime_error("fake115 refused control " + doc.dump() + ": " + r.body);
  if (doc.contains("tree")) tree_cache_.reset();
}

nlohmann::json Fake115::tree() {
  return nlohmann::json::parse(http("GET", base_url_ + "/__tree", {}, "", {std::chrono::seconds(60)}).body);
}

nlohmann::json Fake115::entry(const std::string& path) {
  if (!tree_cache_) tree_cache_ = tree();
  for (const auto& e : (*tree_cache_)["entries"])
    if (e["path"] == path) return e;
  throw std::runtime_error("fake115 tree has no entry " + path);
}

std::string Fake115::refresh_token() { return stats()["refresh_token"].get<std::string>(); }
std::string Fake115::access_token() { return stats()["access_token"].get<std::string>(); }

}  // namespace dav115::test

#pragma once
// Runs the real fake115 binary for a test: a fresh state dir, a free port, the standard fixture
// (tests/fixtures/tree.json), stopped when the object goes away.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "support/http.hpp"
#include "support/process.hpp"

namespace dav115::test {

class Fake115 {
 public:
  // `extra_flags` are appended to the command line (see `fake115 --help`). Unless they name
  // --max-file-size, files over 64 MiB (the 1 GiB one) are left out to keep start-up cheap; unless they
  // name --tree, the standard fixture is used. Waits until the emulator answers; throws if it does not.
  explicit Fake115(std::vector<std::string> extra_flags = {});
  ~Fake115();
  Fake115(const Fake115&) = delete;
  Fake115& operator=(const Fake115&) = delete;

  std::string base_url() const;   // "http://127.0.0.1:PORT" (the API, the passport and the CDN)
  std::string state_dir() const;
  nlohmann::json stats();         // GET /__stats
  nlohmann::json calls(std::uint64_t since = 0);  // GET /__calls?since=
  void control(const nlohmann::json& doc);        // POST /__control; throws on a refused document
  nlohmann::json tree();          // GET /__tree: {"entries": [{path, id, parent_id, name, is_dir, size, mtime, sha1, pick_code}]}
  std::string refresh_token();    // the current one (rotates on every refresh)
  std::string access_token();     // the current one
  // The entry of /__tree at this relative path ("a/b/c.txt"); throws if there is none.
  nlohmann::json entry(const std::string& path);

  ChildProcess& process() { return *proc_; }
  void stop();  // SIGTERM and wait

  static std::string binary();            // FAKE115 binary the support library was built with
  static std::string standard_fixture();  // tests/fixtures/tree.json

 private:
  std::string state_dir_, base_url_;
  std::unique_ptr<ChildProcess> proc_;
  std::optional<nlohmann::json> tree_cache_;
};

}  // namespace dav115::test

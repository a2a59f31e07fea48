#pragma once
// Typed, path-aware reading of one JSON object of the config: every read names its dotted path in
// errors, and finish() rejects keys nobody read (typos), except comment keys.
#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

namespace dav115::config::detail {

// Keys the example file uses for documentation: "//", "// anything", "_comment", "_comment_tls" ...
bool is_comment_key(const std::string& key);

class Fields {
 public:
  // `path` is the dotted path of `obj` itself ("" for the top level). Throws unless `obj` is an object.
  Fields(const nlohmann::json& obj, std::string path);

  std::string path_of(const std::string& key) const;

  // Each reader leaves `out` untouched when the key is absent; throws ConfigError on a wrong type/range.
  void text(const std::string& key, std::string& out);
  void flag(const std::string& key, bool& out);
  void integer(const std::string& key, long long& out, long long min, long long max);
  void number(const std::string& key, double& out);
  void seconds(const std::string& key, std::chrono::seconds& out);          // whole seconds >= 0
  void milliseconds(const std::string& key, std::chrono::milliseconds& out);  // whole ms >= 0
  void texts(const std::string& key, std::vector<std::string>& out);

  template <class Int>
  void whole(const std::string& key, Int& out, long long min, long long max) {
    long long v = static_cast<long long>(out);
    integer(key, v, min, max);
    out = static_cast<Int>(v);
  }

  // The member if present (marked as read), else nullptr. object()/array() also check the type.
  const nlohmann::json* raw(const std::string& key);
  const nlohmann::json* object(const std::string& key);
  const nlohmann::json* array(const std::string& key);

  // Throws ConfigError for the first key that was never read and is not a comment.
  void finish() const;

 private:
  const nlohmann::json& obj_;
  std::string path_;
  std::set<std::string> read_;
};

}  // namespace dav115::config::detail

#pragma once
// The emulator's shared state (tree, tokens, limits, faults, stats) and the request/reply shapes the
// endpoint handlers work with. One instance per process, shared by every session.
#include <nlohmann/json.hpp>

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "auth_state.hpp"
#include "content.hpp"
#include "device_login.hpp"
#include "faults.hpp"
#include "options.hpp"
#include "rate_limit.hpp"
#include "recycle_bin.hpp"
#include "stats.hpp"
#include "tree_model.hpp"
#include "upload_state.hpp"

namespace dav115::fake115 {

struct ApiRequest {
  std::string method, path;
  std::map<std::string, std::string> query, form;
  std::string user_agent;
  std::optional<std::string> authorization;
  // Form field first, then query parameter; "" when absent.
  std::string param(const std::string& name) const;
  bool has(const std::string& name) const;
};

struct ApiReply {
  unsigned status = 200;
  std::string content_type = "application/json; charset=utf-8";
  std::string body;
  std::string result;   // recorded in /__calls and /__stats
  bool reset = false;   // close the connection without an answer
};

// proapi envelopes: {"state": true|false, "code", "message", "data"}; `extra` keys go next to data.
ApiReply proapi_ok(nlohmann::json data, nlohmann::json extra = nlohmann::json::object());
ApiReply proapi_error(long code, const std::string& message);
// passport envelopes: {"state": 1|0, "code", "message", "data", "error", "errno"}.
ApiReply passport_ok(nlohmann::json data);
ApiReply passport_error(long code, const std::string& message);

class Emulator {
 public:
  Emulator(Options opts, std::string state_dir, std::shared_ptr<const TreeModel> tree);

  const Options opts;
  const std::string state_dir;
  std::string base_url;  // http://127.0.0.1:PORT (https:// with --tls-cert), set once listening
  std::string cdn_base() const { return opts.public_base.empty() ? base_url : opts.public_base; }

  std::shared_ptr<const TreeModel> tree() const;
  void replace_tree(std::shared_ptr<const TreeModel> tree);
  // Upper-case hex; blocks while the background thread has not got to it yet.
  std::string sha1_of(const Node& file);
  static ContentSource source_of(const Node& file) {
    return {file.content_id.empty() ? file.id : file.content_id, file.size, file.local_path};
  }

  Sha1Store sha1s;
  AuthState auth;
  DeviceLogins device_logins;  // the QR login (endpoints_device.cpp)
  RateLimiter limiter;
  Faults faults;
  Stats stats;
  // The write side: the tree is copied, changed and replaced under write_mu (endpoints_write.cpp,
  // endpoints_upload.cpp, oss.cpp); the recycle bin and the upload state are guarded by it too.
  std::mutex write_mu;
  RecycleBin recycle_bin;
  UploadState uploads;
  const std::string cdn_secret;  // signs CDN links; random per process

  // Simultaneous downloads per CDN link, for the `c` cap.
  std::mutex cdn_mu;
  std::map<std::string, int> cdn_active;

 private:
  mutable std::mutex tree_mu_;
  std::shared_ptr<const TreeModel> tree_;
};

// Writes `content` to `path` through a temporary file and rename, so readers never see half of it.
void write_file_atomically(const std::string& path, const std::string& content);

}  // namespace dav115::fake115

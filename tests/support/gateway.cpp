#include "support/gateway.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <boost/beast/core/detail/base64.hpp>
#include <filesystem>
#include <stdexcept>

namespace dav115::test {

namespace {
std::string b64(const unsigned char* p, std::size_t n) {
  std::string out(boost::beast::detail::base64::encoded_size(n), '\0');
  out.resize(boost::beast::detail::base64::encode(out.data(), p, n));
  return out;
}
std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}
}  // namespace

std::string Gateway::password_hash(const std::string& password, int iterations) {
  unsigned char salt[16], key[32];
  RAND_bytes(salt, sizeof salt);
  PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()), salt, sizeof salt, iterations, EVP_sha256(),
                    sizeof key, key);
  return "pbkdf2-sha256$" + std::to_string(iterations) + "$" + b64(salt, sizeof salt) + "$" + b64(key, sizeof key);
}

HttpHeaders Gateway::auth(HttpHeaders extra) {
  std::string cred = std::string(kUser) + ":" + kPassword;
  extra.emplace_back("Authorization",
                     "Basic " + b64(reinterpret_cast<const unsigned char*>(cred.data()), cred.size()));
  return extra;
}

nlohmann::json Gateway::default_config(Fake115& emu) const {
  return {
      {"listen", {"http://127.0.0.1:0"}},
      {"mount_path", "/"},
      {"users", {{{"name", kUser}, {"password_hash", password_hash(kPassword)}}}},
      {"state_dir", state_dir_},
      {"log_level", "info"},
      {"cloud115",
       {{"refresh_token", emu.refresh_token()},
        {"root_folder_id", "0"},
        {"api_base", emu.base_url()},
        {"passport_base", emu.base_url()},
        {"user_agent", "dav115-test"},
        {"page_size", 1150},
        {"rate_limit", {{"qps", 50}, {"burst", 50}}},
        {"cooldown_s", 2}}},
      {"cache", {{"listing_ttl_s", 60}}},
      // Every test client connects from 127.0.0.1: the per-address cap would only count the suite itself.
      {"limits", {{"max_connections_per_ip", 100000}}},
      {"delivery", {{"allow_plain_http_cdn", true}, {"cdn_host_allowlist", {"127.0.0.1"}}}},
      // The emulator serves OSS at <base>/oss/<bucket>/<object>: no virtual-host names on loopback.
      {"upload", {{"oss_path_style", true}}},
  };
}

Gateway::Gateway(Fake115& emu, const nlohmann::json& overrides, bool start_now) : state_dir_(temp_dir("dav115-gw")) {
  config_ = default_config(emu);
  if (!overrides.is_null()) config_.merge_patch(overrides);
  write_config();
  if (start_now) start();
}

Gateway::~Gateway() { stop(); }

void Gateway::write_config() { write_text_file(config_path(), config_.dump(2)); }

void Gateway::start() {
  if (proc_ && proc_->running()) throw std::logic_error("dav115 already running");
  const std::string port_file = state_dir_ + "/port";
  std::filesystem::remove(port_file);
  proc_ = std::make_unique<ChildProcess>(std::vector<std::string>{dav115_binary(), "serve", "--config", config_path()},
                                         std::map<std::string, std::string>{},
                                         state_dir_ + "/dav115-" + std::to_string(generation_++) + ".log");
  bool up = wait_until([&] { return !proc_->running() || std::filesystem::exists(port_file); }, std::chrono::seconds(30));
  if (!up || !proc_->running()) throw std::runtime_error("dav115 did not start; log:\n" + proc_->log());
  std::string port;
  wait_until([&] { return !(port = trim(read_text_file(port_file))).empty(); }, std::chrono::seconds(5));
  port = port.substr(0, port.find_first_of(" \n,"));
  base_url_ = "http://127.0.0.1:" + port;
  bool answers = wait_until(
      [&] {
        try {
          return http("GET", base_url_ + "/healthz").status != 0;
        } catch (const HttpError&) {
          return false;
        }
      },
      std::chrono::seconds(10), std::chrono::milliseconds(50));
  if (!answers) throw std::runtime_error("dav115 does not answer at " + base_url_ + "; log:\n" + proc_->log());
}

void Gateway::stop() {
  if (!proc_ || !proc_->running()) return;
  proc_->kill(SIGTERM);
  if (!proc_->wait_exit(std::chrono::seconds(15))) {
    proc_->kill(SIGKILL);
    proc_->wait_exit(std::chrono::seconds(5));
  }
}

void Gateway::kill9() {
  if (!proc_ || !proc_->running()) return;
  proc_->kill(SIGKILL);
  proc_->wait_exit(std::chrono::seconds(5));
}

bool Gateway::running() { return proc_ && proc_->running(); }

std::string Gateway::base_url() const { return base_url_; }

std::string Gateway::dav_url() const {
  // The mount path is configured decoded ("/115网盘 x/"); the URL carries it percent-encoded.
  std::string mount = config_.value("mount_path", std::string("/"));
  std::string url = base_url_ + "/";
  std::size_t i = 0;
  while (i < mount.size()) {
    std::size_t j = mount.find('/', i);
    if (j == std::string::npos) j = mount.size();
    if (j > i) url += url_encode(mount.substr(i, j - i)) + "/";
    i = j + 1;
  }
  return url;
}

void serve_own_proxy(Gateway& gw) {
  const std::string base = gw.base_url();
  gw.stop();
  gw.config()["listen"] = {base};
  gw.config()["delivery"]["proxy_url"] = base + "/_proxy";
  gw.write_config();
  gw.start();
  if (gw.base_url() != base) throw std::runtime_error("dav115 did not come back on " + base);
}

HttpResult dav(Gateway& gw, const std::string& method, const std::string& path, HttpHeaders headers,
               const std::string& body, HttpOptions opts) {
  std::string p = path;
  if (!p.empty() && p.front() == '/') p.erase(0, 1);
  return http(method, gw.dav_url() + p, Gateway::auth(std::move(headers)), body, opts);
}

}  // namespace dav115::test

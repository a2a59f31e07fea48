#include "dav115/store/token_state.hpp"

#include "dav115/util/text.hpp"

#include <openssl/evp.h>

#include <nlohmann/json.hpp>
#include <stdexcept>

#include "dav115/store/atomic_file.hpp"

namespace dav115::store {

std::string sha256_hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr))
    throw std::runtime_error("SHA-256 failed");
  return util::hex_encode(md, len, /*upper=*/false);
}

std::filesystem::path token_file(const std::filesystem::path& state_dir) { return state_dir / "tokens.json"; }
std::filesystem::path login_handoff_file(const std::filesystem::path& state_dir) {
  return state_dir / "tokens.login.json";
}

std::optional<TokenRecord> load_token_record(const std::filesystem::path& file) {
  auto text = read_file(file);
  if (!text) return std::nullopt;
  try {
    auto j = nlohmann::json::parse(*text);
    TokenRecord r;
    r.access_token = j.value("access_token", "");
    r.refresh_token = j.at("refresh_token").get<std::string>();
    r.access_expires_at = j.value("access_expires_at", std::int64_t{0});
    r.origin_sha256 = j.value("origin_sha256", "");
    r.updated_at = j.value("updated_at", std::int64_t{0});
    r.generation = j.value("generation", std::uint64_t{0});
    return r;
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error("token state " + file.string() + " is corrupt: " + e.what());
  }
}

void save_token_record(const std::filesystem::path& file, const TokenRecord& r) {
  nlohmann::json j{{"access_token", r.access_token},       {"refresh_token", r.refresh_token},
                   {"access_expires_at", r.access_expires_at}, {"origin_sha256", r.origin_sha256},
                   {"updated_at", r.updated_at},           {"generation", r.generation}};
  write_file_atomically(file, j.dump(2) + "\n");
}

TokenRecord choose_token_record(const std::optional<TokenRecord>& persisted, const std::string& config_refresh_token,
                                const std::string& config_access_token) {
  if (persisted && !persisted->refresh_token.empty() &&
      (config_refresh_token.empty() || persisted->origin_sha256 == sha256_hex(config_refresh_token)))
    return *persisted;
  TokenRecord r;
  r.refresh_token = config_refresh_token;
  r.access_token = config_access_token;
  r.origin_sha256 = config_refresh_token.empty() ? "" : sha256_hex(config_refresh_token);
  r.generation = persisted ? persisted->generation + 1 : 0;
  return r;
}

}  // namespace dav115::store

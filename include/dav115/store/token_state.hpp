#pragma once
// The persisted 115 token pair. Refresh tokens rotate and die on use, so the latest pair must live on
// disk (state_dir/tokens.json, mode 0600) and win over the config on restart, unless the user has
// pasted a new refresh token into the config since (detected through origin_sha256).
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace dav115::store {

struct TokenRecord {
  std::string access_token;
  std::string refresh_token;
  std::int64_t access_expires_at = 0;  // unix seconds; 0 = unknown
  std::string origin_sha256;           // hex SHA-256 of the config refresh token this pair descends from
  std::int64_t updated_at = 0;         // unix seconds
  std::uint64_t generation = 0;        // bumps on every refresh
};

// Lower-case hex SHA-256 (OpenSSL).
std::string sha256_hex(std::string_view data);

std::filesystem::path token_file(const std::filesystem::path& state_dir);
// Where `dav115 login` leaves a new pair for the gateway that holds the state_dir lock (same format as
// token_file; the gateway adopts it on SIGHUP or at its next start, then removes it).
std::filesystem::path login_handoff_file(const std::filesystem::path& state_dir);

// nullopt if the file is absent; throws std::runtime_error if it exists but is unreadable or corrupt
// (better to stop than to silently fall back to a config token that is already rotated away).
std::optional<TokenRecord> load_token_record(const std::filesystem::path& file);
// Atomic, fsynced, 0600.
void save_token_record(const std::filesystem::path& file, const TokenRecord& rec);

// The pair to start from: the persisted one when it descends from the config's current refresh token
// (or the config has none), else a fresh record from the config.
TokenRecord choose_token_record(const std::optional<TokenRecord>& persisted, const std::string& config_refresh_token,
                                const std::string& config_access_token);

}  // namespace dav115::store

#pragma once
// Pure readers for the upload answers (115-open-api.md §3.12): upload/init, upload/get_token and the
// callback JSON OSS relays. Shape errors throw ApiError{Unavailable}, as in json_mapping.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>

#include "dav115/cloud115/types.hpp"
#include "oss_request.hpp"

namespace dav115::cloud115::upload_mapping {

struct InitReply {
  int status = 0;  // 1 upload needed, 2 done (instant), 6/7/8 sign check
  std::string pick_code, file_id, target, bucket, object;
  std::string sign_key, sign_check;         // sign check: key and the inclusive range "a-b"
  std::string callback, callback_var;       // JSON strings for x-oss-callback(-var); empty when `[]`
  bool needs_sign_check() const { return status == 6 || status == 7 || status == 8; }
};
// `body` is the whole success envelope (its `code` 700/701/702 also means a sign check).
InitReply parse_init(const nlohmann::json& body);

// "a-b" -> {a, b}, checked against the file size; nullopt when malformed or out of range.
std::optional<std::pair<std::uint64_t, std::uint64_t>> parse_sign_range(const std::string& text, std::uint64_t size);

// get_token's data (an object or a one-element array; AccessKeySecret or the doc's AccessKeySecrett).
oss::Credentials parse_sts(const nlohmann::json& body);

// "2026-01-15T08:00:00Z" -> unix seconds; nullopt if not that form.
std::optional<std::int64_t> parse_iso8601(const std::string& text);

// The file from 115's callback answer's `data` (file_id, pick_code, file_size, sha1, file_name, cid).
Entry parse_callback_entry(const nlohmann::json& body);

}  // namespace dav115::cloud115::upload_mapping

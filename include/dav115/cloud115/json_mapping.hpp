#pragma once
// Pure functions from 115 response text to structs or a classified failure. No I/O, no state:
// everything the upstream may send (numbers as strings, data as [], HTML WAF pages, empty bodies)
// is handled here and nowhere else. Shape errors throw ApiError{Unavailable}, never "not found".
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dav115/cloud115/types.hpp"

namespace dav115::cloud115::mapping {

// The verdict on one HTTP answer from proapi or passportapi.
struct Outcome {
  bool ok = false;
  ErrorKind kind = ErrorKind::Other;  // when !ok
  long long code = 0;                 // 115's code; the HTTP status for non-JSON pages; 0 if none
  std::string message;                // safe to log (never contains the body of a success)
  bool token_expired = false;         // 40140123..40140126 or HTTP 401: refresh and retry once
  std::string metric_result() const;  // "ok", the code, or "invalid_body"
  nlohmann::json body;                // parsed JSON (when it was JSON)
};

Outcome classify(unsigned http_status, std::string_view body);

// What a code means for the caller.
ErrorKind kind_of_code(long long code);
bool is_access_token_error(long long code);  // 40140123..40140126
bool is_dead_refresh_token(long long code);  // 40140114/15/16/19/20

// Lenient scalar readers: accept numbers, numeric strings, floats, bools; nullopt otherwise.
std::optional<std::string> as_string(const nlohmann::json& j);   // numbers printed as integers when integral
std::optional<std::int64_t> as_int(const nlohmann::json& j);
std::optional<std::uint64_t> as_size(const nlohmann::json& j);   // non-negative, floats truncated

struct ListPage {
  std::vector<Entry> entries;
  std::uint64_t count = 0;
  std::optional<std::string> cid;  // the folder the server says it listed
  std::optional<std::uint64_t> offset;  // the offset the server says it answered
};
ListPage parse_list_page(const nlohmann::json& body);
Entry parse_list_entry(const nlohmann::json& item);

std::optional<Entry> parse_info(const nlohmann::json& body);
Quota parse_quota(const nlohmann::json& body);
// nullopt when data holds no usable link (folder, missing pick code).
std::optional<DownloadLink> parse_download(const nlohmann::json& body, const std::string& file_id);
// `t` (expiry) and `c` (max connections) from a CDN URL's query.
void parse_link_flags(DownloadLink& link);

struct TokenGrant {
  std::string access_token;
  std::string refresh_token;
  std::int64_t expires_in = 0;
};
TokenGrant parse_token_grant(const nlohmann::json& body);

}  // namespace dav115::cloud115::mapping

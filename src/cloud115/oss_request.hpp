#pragma once
// Requests to Alibaba Cloud OSS signed with STS credentials (OSS V1: HMAC-SHA1 over the canonical
// string, 115-open-api.md §3.12 step 3). Pure functions: building a net::Request does no I/O.
#include <chrono>
#include <cstdint>
#include <string>

#include "dav115/net/http_client.hpp"

namespace dav115::cloud115::oss {

// Temporary credentials from /open/upload/get_token.
struct Credentials {
  std::string endpoint;   // "http://oss-cn-shenzhen.aliyuncs.com" (scheme optional: https assumed)
  std::string key_id, secret, security_token;
  std::int64_t expires_at = 0;  // unix seconds; 0 = unknown
};

// Where an object lives and how to address it.
struct Target {
  std::string endpoint;     // the override from config, or the credentials' endpoint
  bool path_style = false;  // <endpoint>/<bucket>/<object> (the emulator); else <bucket>.<host>/<object>
  std::string bucket, object;
};

struct Spec {
  std::string method;        // PUT, POST, DELETE
  std::string subresource;   // canonical, sorted query: "", "uploads", "partNumber=3&uploadId=X", "uploadId=X"
  std::string content_type;  // signed; empty = none
  std::string content_md5;   // base64 of the raw MD5; signed; empty = none
  net::Headers oss_headers;  // x-oss-* (callback, callback-var): sent and signed
  std::string body;
  std::chrono::milliseconds timeout{300000};
};

// The full request, with Date, x-oss-security-token and `Authorization: OSS id:signature`.
// `now_unix` is the Date to sign (a parameter so tests can pin it).
net::Request build(const Credentials& cred, const Target& target, Spec spec, std::int64_t now_unix);

// base64(HMAC-SHA1(secret, string_to_sign)), exposed for a known-answer test.
std::string sign_v1(const std::string& secret, const std::string& string_to_sign);
std::string base64(const std::string& raw);
std::string md5_base64(const char* data, std::size_t n);

// The text of the first <tag>…</tag> in an OSS XML answer ("" when absent): UploadId, Code, Message.
std::string xml_value(const std::string& xml, const std::string& tag);

}  // namespace dav115::cloud115::oss

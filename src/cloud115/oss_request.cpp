#include "oss_request.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cctype>
#include <map>

#include "dav115/util/http_dates.hpp"

namespace dav115::cloud115::oss {

namespace {

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Percent-encodes an object key for the URL path; '/' stays a separator.
std::string encode_key(const std::string& key) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : key) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == '/') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::string url_for(const Target& t, const std::string& subresource) {
  std::string endpoint = t.endpoint;
  if (endpoint.find("://") == std::string::npos) endpoint = "https://" + endpoint;
  while (!endpoint.empty() && endpoint.back() == '/') endpoint.pop_back();
  std::string url;
  if (t.path_style) {
    url = endpoint + "/" + t.bucket + "/" + encode_key(t.object);
  } else {
    // Real OSS refuses path style for these buckets (SecondLevelDomainForbidden): the bucket goes first
    // in the host name.
    const auto scheme_end = endpoint.find("://") + 3;
    url = endpoint.substr(0, scheme_end) + t.bucket + "." + endpoint.substr(scheme_end) + "/" + encode_key(t.object);
  }
  if (!subresource.empty()) url += "?" + subresource;
  return url;
}

}  // namespace

std::string base64(const std::string& raw) {
  std::string out(4 * ((raw.size() + 2) / 3), '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(raw.data()), static_cast<int>(raw.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::string md5_base64(const char* data, std::size_t n) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  EVP_Digest(data, n, md, &len, EVP_md5(), nullptr);
  return base64(std::string(reinterpret_cast<char*>(md), len));
}

std::string sign_v1(const std::string& secret, const std::string& string_to_sign) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  HMAC(EVP_sha1(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(string_to_sign.data()), string_to_sign.size(), md, &len);
  return base64(std::string(reinterpret_cast<char*>(md), len));
}

net::Request build(const Credentials& cred, const Target& target, Spec spec, std::int64_t now_unix) {
  net::Request req;
  req.method = spec.method;
  req.url = url_for(target, spec.subresource);
  req.timeout = spec.timeout;
  // A part may be sent again; PutObject and Complete carry the callback that creates the file.
  req.idempotent = spec.method == "PUT" && spec.subresource.find("partNumber=") != std::string::npos;
  const std::string date = util::format_http_date(now_unix);

  std::map<std::string, std::string> signed_oss;  // sorted by lower-case name, as V1 wants
  for (const auto& [k, v] : spec.oss_headers) signed_oss[lower(k)] = v;
  signed_oss["x-oss-security-token"] = cred.security_token;
  std::string to_sign = spec.method + "\n" + spec.content_md5 + "\n" + spec.content_type + "\n" + date + "\n";
  for (const auto& [k, v] : signed_oss) to_sign += k + ":" + v + "\n";
  to_sign += "/" + target.bucket + "/" + target.object;
  if (!spec.subresource.empty()) to_sign += "?" + spec.subresource;

  req.headers.emplace_back("Date", date);
  if (!spec.content_type.empty()) req.headers.emplace_back("Content-Type", spec.content_type);
  if (!spec.content_md5.empty()) req.headers.emplace_back("Content-MD5", spec.content_md5);
  for (const auto& [k, v] : signed_oss) req.headers.emplace_back(k, v);
  req.headers.emplace_back("Authorization", "OSS " + cred.key_id + ":" + sign_v1(cred.secret, to_sign));
  req.body = std::move(spec.body);
  return req;
}

std::string xml_value(const std::string& xml, const std::string& tag) {
  const auto open = xml.find("<" + tag + ">");
  if (open == std::string::npos) return "";
  const auto start = open + tag.size() + 2;
  const auto close = xml.find("</" + tag + ">", start);
  return close == std::string::npos ? "" : xml.substr(start, close - start);
}

}  // namespace dav115::cloud115::oss

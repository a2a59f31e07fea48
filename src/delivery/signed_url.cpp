#include "dav115/delivery/signed_url.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <charconv>

#include "dav115/delivery/html_index.hpp"
#include "dav115/serve/path_codec.hpp"

namespace dav115::delivery {
namespace {

std::string hmac_sha256_base64url(std::string_view key, std::string_view message) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), mac, &mac_len);
  std::string out(4 * ((mac_len + 2) / 3), '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), mac, static_cast<int>(mac_len));
  out.resize(static_cast<std::size_t>(n));
  // Standard alphabet -> URL alphabet; padding kept, as Go's base64.URLEncoding does.
  for (char& ch : out) {
    if (ch == '+') ch = '-';
    else if (ch == '/') ch = '_';
  }
  return out;
}

}  // namespace

std::string sign_path(std::string_view key, std::string_view path, std::int64_t expiry) {
  std::string expiry_text = std::to_string(expiry);
  std::string message;
  message.reserve(path.size() + 1 + expiry_text.size());
  message.append(path).append(":").append(expiry_text);
  return hmac_sha256_base64url(key, message) + ":" + expiry_text;
}

SignCheck verify_path_signature(std::string_view key, std::string_view path, std::string_view sign,
                                std::int64_t now_unix) {
  if (sign.empty()) return SignCheck::Missing;
  auto colon = sign.rfind(':');
  if (colon == std::string_view::npos || colon + 1 == sign.size()) return SignCheck::Malformed;
  std::string_view expiry_text = sign.substr(colon + 1);
  std::int64_t expiry = 0;
  auto [end, ec] = std::from_chars(expiry_text.data(), expiry_text.data() + expiry_text.size(), expiry);
  if (ec != std::errc() || end != expiry_text.data() + expiry_text.size() || expiry < 0)
    return SignCheck::Malformed;
  // Recompute from the canonical expiry text, so "+5" or "007" cannot alias a valid signature.
  std::string expected = sign_path(key, path, expiry);
  if (expected.size() != sign.size() || CRYPTO_memcmp(expected.data(), sign.data(), sign.size()) != 0)
    return SignCheck::Invalid;
  if (expiry != 0 && expiry < now_unix) return SignCheck::Expired;
  return SignCheck::Valid;
}

std::string signed_proxy_url(std::string_view base, std::string_view path, std::string_view key,
                             std::int64_t expiry) {
  while (!base.empty() && base.back() == '/') base.remove_suffix(1);
  std::string url(base);
  // Encode each segment; the separators stay literal.
  std::size_t start = 0;
  while (start < path.size()) {
    auto slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    url += serve::encode_segment(path.substr(start, slash - start));
    if (slash < path.size()) url += '/';
    start = slash + 1;
  }
  if (path.empty() || path.front() != '/') url.insert(base.size(), "/");
  // The signature only holds [A-Za-z0-9-_=:]; '=' is legal inside a query value, as AList emits it.
  url += "?sign=" + sign_path(key, path, expiry);
  return url;
}

}  // namespace dav115::delivery

#include "dav115/admin/csrf.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <charconv>
#include <cstdint>
#include <stdexcept>

#include "dav115/util/text.hpp"

namespace dav115::admin {

namespace {

std::string random_hex(std::size_t bytes) {
  std::string raw(bytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(bytes)) != 1)
    throw std::runtime_error("no random bytes for the CSRF key");
  return util::hex_encode(reinterpret_cast<const unsigned char*>(raw.data()), bytes, false);
}

std::int64_t unix_seconds(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

}  // namespace

CsrfTokens::CsrfTokens(std::chrono::seconds lifetime, Clock clock)
    : key_(random_hex(32)), lifetime_(lifetime), clock_(std::move(clock)) {
  if (!clock_) clock_ = [] { return std::chrono::system_clock::now(); };
}

std::string CsrfTokens::mac(std::string_view user, std::string_view issued, std::string_view nonce) const {
  // The user goes last and the fields before it have a fixed alphabet: no two inputs share a message.
  const std::string message = std::string(issued) + "." + std::string(nonce) + "." + std::string(user);
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key_.data(), static_cast<int>(key_.size()), reinterpret_cast<const unsigned char*>(message.data()),
       message.size(), out, &len);
  return util::hex_encode(out, len, false);
}

std::string CsrfTokens::issue(std::string_view user) const {
  const std::string issued = std::to_string(unix_seconds(clock_()));
  const std::string nonce = random_hex(8);
  return issued + "." + nonce + "." + mac(user, issued, nonce);
}

bool CsrfTokens::check(std::string_view user, std::string_view token) const {
  const auto dot1 = token.find('.');
  const auto dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos) return false;
  const auto issued = token.substr(0, dot1);
  const auto nonce = token.substr(dot1 + 1, dot2 - dot1 - 1);
  const auto given = token.substr(dot2 + 1);
  std::int64_t at = 0;
  auto [end, ec] = std::from_chars(issued.data(), issued.data() + issued.size(), at);
  if (ec != std::errc() || end != issued.data() + issued.size() || nonce.size() != 16) return false;
  const auto now = unix_seconds(clock_());
  if (at > now + 60 || now - at > lifetime_.count()) return false;  // a minute of clock step is tolerated
  const std::string expected = mac(user, issued, nonce);
  return given.size() == expected.size() && CRYPTO_memcmp(given.data(), expected.data(), given.size()) == 0;
}

}  // namespace dav115::admin

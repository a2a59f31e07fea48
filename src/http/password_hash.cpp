#include "dav115/http/password_hash.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <charconv>
#include <stdexcept>
#include <vector>

namespace dav115::http {
namespace {

constexpr std::string_view kScheme = "pbkdf2-sha256";
constexpr std::size_t kSaltBytes = 16;
constexpr std::size_t kKeyBytes = 32;
// Refuse absurd iteration counts from a tampered config: one verification must stay bounded.
constexpr long kMaxIterations = 10'000'000;

std::vector<unsigned char> pbkdf2(std::string_view password, const std::string& salt, int iterations,
                                  std::size_t key_bytes) {
  std::vector<unsigned char> key(key_bytes);
  if (PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                        reinterpret_cast<const unsigned char*>(salt.data()), static_cast<int>(salt.size()),
                        iterations, EVP_sha256(), static_cast<int>(key.size()), key.data()) != 1)
    throw std::runtime_error("PKCS5_PBKDF2_HMAC failed");
  return key;
}

// Splits "a$b$c$d" into exactly four parts.
bool split4(std::string_view s, std::string_view (&parts)[4]) {
  for (int i = 0; i < 3; ++i) {
    auto pos = s.find('$');
    if (pos == std::string_view::npos) return false;
    parts[i] = s.substr(0, pos);
    s.remove_prefix(pos + 1);
  }
  if (s.find('$') != std::string_view::npos) return false;
  parts[3] = s;
  return true;
}

}  // namespace

std::string base64_encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

bool base64_decode(std::string_view text, std::string& out) {
  // EVP_DecodeBlock tolerates whitespace and miscounts padding, so validate the shape first.
  if (text.size() % 4 != 0) return false;
  std::size_t pad = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    bool alpha = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
    if (c == '=') {
      if (i + 2 < text.size()) return false;  // '=' only in the last two places
      ++pad;
    } else if (!alpha || pad > 0) {
      return false;
    }
  }
  out.assign(3 * (text.size() / 4), '\0');
  if (text.empty()) return true;
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
  if (n < 0) return false;
  out.resize(static_cast<std::size_t>(n) - pad);
  return true;
}

std::string hash_password(std::string_view password, int iterations) {
  if (iterations < 1 || iterations > kMaxIterations) throw std::runtime_error("iterations out of range");
  std::string salt(kSaltBytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(salt.data()), static_cast<int>(salt.size())) != 1)
    throw std::runtime_error("RAND_bytes failed");
  auto key = pbkdf2(password, salt, iterations, kKeyBytes);
  return std::string(kScheme) + "$" + std::to_string(iterations) + "$" + base64_encode(salt) + "$" +
         base64_encode(std::string_view(reinterpret_cast<const char*>(key.data()), key.size()));
}

bool verify_password(std::string_view password, std::string_view encoded) {
  std::string_view parts[4];
  if (!split4(encoded, parts) || parts[0] != kScheme) return false;
  long iterations = 0;
  auto [end, ec] = std::from_chars(parts[1].data(), parts[1].data() + parts[1].size(), iterations);
  if (ec != std::errc() || end != parts[1].data() + parts[1].size() || iterations < 1 || iterations > kMaxIterations)
    return false;
  std::string salt, expected;
  if (!base64_decode(parts[2], salt) || !base64_decode(parts[3], expected) || salt.empty() || expected.empty() ||
      expected.size() > 64)
    return false;
  try {
    auto key = pbkdf2(password, salt, static_cast<int>(iterations), expected.size());
    return CRYPTO_memcmp(key.data(), expected.data(), expected.size()) == 0;
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace dav115::http

#pragma once
// Password hashes for config users: "pbkdf2-sha256$<iterations>$<salt base64>$<hash base64>".
// Written by `dav115 hash-password`, checked by the server's Basic authentication.
#include <string>
#include <string_view>

namespace dav115::http {

// A fresh encoding of `password` with a random 16-byte salt and a 32-byte PBKDF2-HMAC-SHA256 key.
// Throws std::runtime_error if OpenSSL fails (no randomness) or iterations < 1.
std::string hash_password(std::string_view password, int iterations = 310000);

// True when `password` matches `encoded`. Constant-time comparison of the derived key;
// false (never a throw) for a malformed encoding.
bool verify_password(std::string_view password, std::string_view encoded);

// Standard base64 (with padding), used by the hash encoding and by Basic authentication.
std::string base64_encode(std::string_view bytes);
// Strict decoding: false on any character outside the alphabet or on bad padding.
bool base64_decode(std::string_view text, std::string& out);

}  // namespace dav115::http

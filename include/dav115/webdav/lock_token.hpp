#pragma once
// Fresh lock tokens (RFC 4918 §6.5): unique across time and servers, so a random UUID URN.
#include <string>

namespace dav115::webdav {

// "urn:uuid:xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx" (a version 4 UUID, RFC 9562) from OpenSSL's CSPRNG:
// a guessable token would let anyone who guesses it write through another client's lock.
// Throws std::runtime_error if the generator fails.
std::string new_lock_token();

}  // namespace dav115::webdav

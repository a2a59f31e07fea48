#pragma once
// Checks on downloaded bytes: SHA-1 as the emulator reports it, and case folding for comparing digests.
#include <string>

namespace dav115::test {

std::string sha1_hex(const std::string& data);  // lower-case hex
std::string lower(std::string s);

}  // namespace dav115::test

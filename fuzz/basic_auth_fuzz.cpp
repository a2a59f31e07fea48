// Authorization header values (client-controlled, read before any credential is known):
// parse_basic must reject or split cleanly, and an accepted header round-trips.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "dav115/http/authenticator.hpp"
#include "fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view header(reinterpret_cast<const char*>(data), size);
  std::string user, password;
  if (dav115::http::Authenticator::parse_basic(header, user, password)) {
    FUZZ_CHECK(!user.empty());
    FUZZ_CHECK(user.find(':') == std::string::npos && user.find('\\') == std::string::npos);
    FUZZ_CHECK(user.size() + password.size() < size);  // base64 only shrinks
  }
  return 0;
}

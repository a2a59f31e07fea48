#include "staged_file.hpp"

#include "dav115/util/text.hpp"

#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <vector>

#include "oss_request.hpp"

namespace dav115::cloud115::staged_file {

namespace {

struct Fd {
  int fd;
  explicit Fd(const std::string& path) : fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC)) {
    if (fd < 0) throw std::runtime_error("cannot open " + path + ": " + std::strerror(errno));
  }
  ~Fd() { ::close(fd); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
};

// Fills buf[0..n) from `offset`, or throws.
void read_exact(int fd, const std::string& path, std::uint64_t offset, char* buf, std::size_t n) {
  for (std::size_t done = 0; done < n;) {
    ssize_t r = ::pread(fd, buf + done, n - done, static_cast<off_t>(offset + done));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) throw std::runtime_error("cannot read " + path + ": " + std::strerror(errno));
    if (r == 0) throw std::runtime_error(path + " is shorter than expected (changed while uploading?)");
    done += static_cast<std::size_t>(r);
  }
}

}  // namespace

std::string sha1_of_range(const std::string& path, std::uint64_t first, std::uint64_t last) {
  Fd f(path);
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  EVP_DigestInit_ex(ctx.get(), EVP_sha1(), nullptr);
  std::vector<char> buf(1 << 20);
  for (std::uint64_t off = first; off <= last;) {
    const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(buf.size(), last - off + 1));
    read_exact(f.fd, path, off, buf.data(), n);
    EVP_DigestUpdate(ctx.get(), buf.data(), n);
    off += n;
  }
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  EVP_DigestFinal_ex(ctx.get(), md, &len);
  return util::hex_encode(md, len, /*upper=*/true);
}

Chunk read_chunk(const std::string& path, std::uint64_t offset, std::uint64_t len) {
  Chunk c;
  c.data.resize(static_cast<std::size_t>(len));
  if (len > 0) {
    Fd f(path);
    read_exact(f.fd, path, offset, c.data.data(), c.data.size());
  }
  c.md5_base64 = oss::md5_base64(c.data.data(), c.data.size());
  return c;
}

}  // namespace dav115::cloud115::staged_file

#include "dav115/store/spool.hpp"

#include "dav115/util/text.hpp"

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fcntl.h>
#include <openssl/evp.h>
#include <spdlog/spdlog.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <system_error>

namespace asio = boost::asio;

namespace dav115::store {
namespace {

constexpr std::uint64_t kPreHashBytes = 128 * 1024;
// Free space is asked of the file system once per this many bytes written, not per write.
constexpr std::uint64_t kSpaceCheckEvery = 64ull << 20;

std::string final_hex(EVP_MD_CTX* ctx) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  EVP_DigestFinal_ex(ctx, md, &len);
  return util::hex_encode(md, len, /*upper=*/true);
}

std::uint64_t free_bytes(const std::filesystem::path& dir) {
  struct statvfs st {};
  if (::statvfs(dir.c_str(), &st) != 0) return UINT64_MAX;  // unknown: let the write itself fail
  return static_cast<std::uint64_t>(st.f_bavail) * st.f_frsize;
}

std::atomic<std::uint64_t> next_serial{1};

}  // namespace

StagedFile::~StagedFile() {
  std::error_code ec;
  if (!path.empty()) std::filesystem::remove(path, ec);
}

struct SpoolWriter::State {
  std::filesystem::path path;
  std::filesystem::path dir;
  std::uint64_t reserve = 0;
  asio::any_io_executor blocking;
  int fd = -1;
  std::uint64_t size = 0;
  std::uint64_t checked_at = 0;
  EVP_MD_CTX* whole = EVP_MD_CTX_new();
  EVP_MD_CTX* head = EVP_MD_CTX_new();
  bool finished = false;

  ~State() {
    if (fd >= 0) ::close(fd);
    if (!finished) {
      std::error_code ec;
      std::filesystem::remove(path, ec);
    }
    EVP_MD_CTX_free(whole);
    EVP_MD_CTX_free(head);
  }

  // Runs on the worker pool.
  void write_all(const char* data, std::size_t n) {
    if (size - checked_at >= kSpaceCheckEvery || (size == 0 && n > 0)) {
      checked_at = size;
      const std::uint64_t avail = free_bytes(dir);
      if (avail != UINT64_MAX && avail < reserve + n) throw SpoolFull("the spool's disk is full");
    }
    EVP_DigestUpdate(whole, data, n);
    if (size < kPreHashBytes) EVP_DigestUpdate(head, data, std::min<std::uint64_t>(n, kPreHashBytes - size));
    std::size_t done = 0;
    while (done < n) {
      ssize_t w = ::write(fd, data + done, n - done);
      if (w < 0 && errno == EINTR) continue;
      if (w < 0 && (errno == ENOSPC || errno == EDQUOT)) throw SpoolFull("the spool's disk is full");
      if (w < 0) throw std::system_error(errno, std::generic_category(), "writing " + path.string());
      done += static_cast<std::size_t>(w);
    }
    size += n;
  }
};

Spool::Spool(std::filesystem::path dir, std::uint64_t reserve_bytes, asio::any_io_executor blocking)
    : dir_(std::move(dir)), reserve_(reserve_bytes), blocking_(std::move(blocking)) {}

void Spool::prepare() const {
  std::filesystem::create_directories(dir_);
  std::filesystem::permissions(dir_, std::filesystem::perms::owner_all, std::filesystem::perm_options::replace);
  std::size_t removed = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir_)) {
    if (e.path().filename().string().rfind("put-", 0) != 0) continue;
    std::error_code ec;
    if (std::filesystem::remove(e.path(), ec)) ++removed;
  }
  if (removed) spdlog::info("spool: removed {} file(s) left by an interrupted upload in {}", removed, dir_.string());
}

bool Spool::has_room(std::uint64_t bytes) const {
  const std::uint64_t avail = free_bytes(dir_);
  return avail == UINT64_MAX || (avail >= reserve_ && avail - reserve_ >= bytes);
}

std::unique_ptr<SpoolWriter> Spool::create() const {
  auto st = std::make_shared<SpoolWriter::State>();
  st->dir = dir_;
  st->reserve = reserve_;
  st->blocking = blocking_;
  st->path = dir_ / ("put-" + std::to_string(::getpid()) + "-" + std::to_string(next_serial++));
  st->fd = ::open(st->path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (st->fd < 0) {
    if (errno == ENOSPC || errno == EDQUOT) throw SpoolFull("the spool's disk is full");
    throw std::system_error(errno, std::generic_category(), "creating " + st->path.string());
  }
  EVP_DigestInit_ex(st->whole, EVP_sha1(), nullptr);
  EVP_DigestInit_ex(st->head, EVP_sha1(), nullptr);
  return std::unique_ptr<SpoolWriter>(new SpoolWriter(std::move(st)));
}

SpoolWriter::SpoolWriter(std::shared_ptr<State> state) : state_(std::move(state)) {}
SpoolWriter::~SpoolWriter() = default;

std::uint64_t SpoolWriter::size() const { return state_->size; }

asio::awaitable<void> SpoolWriter::append(const char* data, std::size_t n) {
  auto home = co_await asio::this_coro::executor;
  auto st = state_;  // kept alive across the hop even if the writer goes
  // bind_executor: the coroutine itself must move to the pool, not just an empty handler.
  co_await asio::post(asio::bind_executor(st->blocking, asio::use_awaitable));
  std::exception_ptr failure;
  try {
    st->write_all(data, n);
  } catch (...) {
    failure = std::current_exception();
  }
  co_await asio::post(asio::bind_executor(home, asio::use_awaitable));
  if (failure) std::rethrow_exception(failure);
}

asio::awaitable<std::shared_ptr<StagedFile>> SpoolWriter::finish() {
  auto home = co_await asio::this_coro::executor;
  auto st = state_;
  // bind_executor: the coroutine itself must move to the pool, not just an empty handler.
  co_await asio::post(asio::bind_executor(st->blocking, asio::use_awaitable));
  int rc = ::close(st->fd);
  st->fd = -1;
  const int err = errno;
  co_await asio::post(asio::bind_executor(home, asio::use_awaitable));
  if (rc != 0) throw std::system_error(err, std::generic_category(), "closing " + st->path.string());
  auto staged = std::make_shared<StagedFile>();
  staged->path = st->path;
  staged->size = st->size;
  staged->sha1 = final_hex(st->whole);
  staged->pre_sha1 = final_hex(st->head);
  st->finished = true;  // from now on the StagedFile owns (and removes) the file
  co_return staged;
}

}  // namespace dav115::store

#include "dav115/store/state_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace dav115::store {

StateDirLock::StateDirLock(const std::filesystem::path& state_dir) {
  const auto file = lock_file(state_dir);
  fd_ = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd_ < 0) throw std::system_error(errno, std::generic_category(), "open " + file.string());
  while (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    if (errno == EINTR) continue;
    const int saved = errno;
    ::close(fd_);
    fd_ = -1;
    if (saved == EWOULDBLOCK)
      throw StateDirLocked("another process (a second dav115 on the same state_dir?) holds the lock " +
                           file.string() + "; refusing to share the rotating 115 token");
    throw std::system_error(saved, std::generic_category(), "flock " + file.string());
  }
  // The holder's pid, for the operator who wonders who it is (informational only).
  if (::ftruncate(fd_, 0) == 0) {
    const std::string pid = std::to_string(::getpid()) + "\n";
    [[maybe_unused]] auto n = ::pwrite(fd_, pid.data(), pid.size(), 0);
  }
}

StateDirLock::~StateDirLock() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace dav115::store

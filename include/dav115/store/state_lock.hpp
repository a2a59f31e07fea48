#pragma once
// An exclusive lock on state_dir, held for the life of the process: two gateways (an overlapping
// container restart, a second instance) on the same state would each refresh the rotating token with
// the other's copy, and the loser's token is dead (40140120).
#include <filesystem>
#include <stdexcept>

namespace dav115::store {

struct StateDirLocked : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class StateDirLock {
 public:
  // Takes flock(LOCK_EX) on `<state_dir>/lock` without waiting. Throws StateDirLocked when another
  // process holds it, std::system_error when the file cannot be opened.
  explicit StateDirLock(const std::filesystem::path& state_dir);
  ~StateDirLock();  // the kernel also drops the lock if the process dies
  StateDirLock(const StateDirLock&) = delete;
  StateDirLock& operator=(const StateDirLock&) = delete;

  static std::filesystem::path lock_file(const std::filesystem::path& state_dir) { return state_dir / "lock"; }

 private:
  int fd_ = -1;
};

}  // namespace dav115::store

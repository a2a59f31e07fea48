#pragma once
// A fresh directory under the system temp dir for one test's state files, removed afterwards.
#include <filesystem>
#include <random>
#include <string>

namespace cloud115_test {

struct ScratchDir {
  std::filesystem::path path;
  ScratchDir() {
    std::random_device rd;
    path = std::filesystem::temp_directory_path() / ("dav115-cloud-" + std::to_string(rd()) + std::to_string(rd()));
  }
  ~ScratchDir() { std::filesystem::remove_all(path); }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
};

}  // namespace cloud115_test

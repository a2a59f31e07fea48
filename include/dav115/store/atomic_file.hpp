#pragma once
// Crash-safe whole-file replacement: readers see either the old content or the new, never a mix.
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace dav115::store {

// Writes `data` to a temporary file in the same directory, fsyncs it, renames it over `path`, then
// fsyncs the directory so the rename itself survives a power cut. The file gets exactly `perms`
// (regardless of umask). Throws std::system_error on any failure (the old file is then untouched).
void write_file_atomically(const std::filesystem::path& path, std::string_view data,
                           std::filesystem::perms perms = std::filesystem::perms::owner_read |
                                                          std::filesystem::perms::owner_write);

// The whole file, or nullopt if it does not exist. Throws std::system_error on other errors.
std::optional<std::string> read_file(const std::filesystem::path& path);

}  // namespace dav115::store

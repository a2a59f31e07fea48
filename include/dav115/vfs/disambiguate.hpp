#pragma once
// 115 lets one folder hold several entries with the same name; WebDAV paths must be unique and stable.
//
// The rule (deterministic, independent of upstream order, stable across refreshes because ids are):
//  1. Entries are grouped by the NFC form of their name.
//  2. A group of one keeps its name. In a larger group, entries are sorted by id as a number
//     (shorter id first, then lexicographic); the first keeps the name.
//  3. Every other entry of the group gets " (<id>)": files before the extension
//     ("movie.mkv" -> "movie (3342177983093201749).mkv", "archive.tar.gz" -> "archive.tar (<id>).gz",
//     ".hidden" -> ".hidden (<id>)"), folders at the end ("Photos" -> "Photos (<id>)").
//  4. If that name is already taken (by an upstream name or an earlier renamed entry; renamed entries
//     are handled in order of NFC name, then id), " (<id>)" is added again the same way until it is free.
// Names that are unique upstream never change, so a duplicate appearing never moves an existing path
// except the duplicates themselves (the lowest id keeps the plain name).
#include <string>
#include <vector>

#include "dav115/cloud115/types.hpp"

namespace dav115::vfs {

struct UniqueName {
  std::string name;     // what the client sees
  std::string nfc_key;  // NFC form of `name`, the lookup key
};

// One unique name per entry, in the same order as `entries`.
std::vector<UniqueName> unique_names(const std::vector<cloud115::Entry>& entries);

// `name` with " (<id>)" inserted before a file's extension or appended to a folder's name.
std::string with_id_suffix(const std::string& name, const std::string& id, bool is_dir);

}  // namespace dav115::vfs

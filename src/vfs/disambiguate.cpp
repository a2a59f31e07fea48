#include "dav115/vfs/disambiguate.hpp"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include "dav115/util/unicode.hpp"

namespace dav115::vfs {

std::string with_id_suffix(const std::string& name, const std::string& id, bool is_dir) {
  std::string suffix = " (" + id + ")";
  auto dot = name.rfind('.');
  // A leading dot marks a hidden name, not an extension.
  if (is_dir || dot == std::string::npos || dot == 0) return name + suffix;
  return name.substr(0, dot) + suffix + name.substr(dot);
}

static bool id_less(const std::string& a, const std::string& b) {
  // Ids are decimal strings too long for some languages' numbers: compare as numbers without converting.
  if (a.size() != b.size()) return a.size() < b.size();
  return a < b;
}

std::vector<UniqueName> unique_names(const std::vector<cloud115::Entry>& entries) {
  std::vector<UniqueName> out(entries.size());
  std::unordered_map<std::string, std::vector<std::size_t>> groups;
  groups.reserve(entries.size());
  for (std::size_t i = 0; i < entries.size(); ++i) {
    out[i].name = entries[i].name;
    out[i].nfc_key = util::nfc(entries[i].name);
    groups[out[i].nfc_key].push_back(i);
  }
  if (groups.size() == entries.size()) return out;  // the usual case: no duplicates

  // Every upstream name is taken first, so renames never steal a name that exists upstream.
  std::unordered_set<std::string> taken;
  taken.reserve(groups.size() * 2);
  std::vector<std::pair<std::string, std::vector<std::size_t>>> dup_groups;
  for (auto& [key, members] : groups) {
    taken.insert(key);
    if (members.size() > 1) dup_groups.emplace_back(key, std::move(members));
  }
  std::sort(dup_groups.begin(), dup_groups.end(), [](const auto& a, const auto& b) { return a.first < b.first; });

  for (auto& [key, members] : dup_groups) {
    std::sort(members.begin(), members.end(),
              [&](std::size_t a, std::size_t b) { return id_less(entries[a].id, entries[b].id); });
    for (std::size_t k = 1; k < members.size(); ++k) {
      const auto& e = entries[members[k]];
      std::string name = e.name;
      std::string nfc_key;
      do {
        name = with_id_suffix(name, e.id, e.is_dir);
        nfc_key = util::nfc(name);
      } while (taken.count(nfc_key));
      taken.insert(nfc_key);
      out[members[k]] = {std::move(name), std::move(nfc_key)};
    }
  }
  return out;
}

}  // namespace dav115::vfs

#pragma once
// Re-listing a folder newest first (o=user_utime, asc=0) against an earlier complete listing of it, and
// stopping at the first entry that has not changed: everything older is then known already.
// Sound only if 115 really orders by update time and bumps it on every change (both UNCONFIRMED), so
// the result is kept only when it adds up to 115's own `count`; the caller lists in full otherwise.
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "dav115/cloud115/types.hpp"

namespace dav115::cloud115 {

class ChangesFirstScan {
 public:
  explicit ChangesFirstScan(const std::vector<Entry>& known);

  enum class Step {
    More,     // ask for the next page
    Done,     // stopped: every entry from here on is older than an unchanged one
    Unsound,  // the pages are not newest first, or repeat an entry: list in full (see why())
  };
  // One page, in the order 115 gave it.
  Step feed(const std::vector<Entry>& page);

  std::size_t seen() const { return seen_.size(); }
  bool stopped() const { return stopped_; }
  // The whole folder now (by name): the entries seen plus the known ones not seen, when that adds up to
  // `count`; nullopt otherwise (an entry deleted or moved away, something unexplained).
  std::optional<std::vector<Entry>> result(std::uint64_t count);
  const std::string& why() const { return why_; }

 private:
  std::unordered_map<std::string, const Entry*> known_;
  std::vector<Entry> seen_;
  std::unordered_set<std::string> seen_ids_;
  std::optional<std::int64_t> last_mtime_;
  std::optional<std::int64_t> stop_mtime_;  // the date of the first unchanged entry
  bool stopped_ = false;
  std::string why_;
};

// Same object, same name, date and size as in the earlier listing.
bool unchanged(const Entry& now, const Entry& before);

}  // namespace dav115::cloud115

#include "sparse_positions.hpp"

#include <algorithm>
#include <limits>

namespace dav115::store {
namespace {

// Indices (ascending) of a longest strictly increasing subsequence of the stored positions
// (patience sorting, O(n log n)).
std::vector<std::size_t> longest_kept_run(const std::vector<std::optional<std::int64_t>>& old) {
  constexpr std::size_t kNone = std::numeric_limits<std::size_t>::max();
  std::vector<std::size_t> tails;            // tails[k]: index ending the best run of length k + 1
  std::vector<std::size_t> previous(old.size(), kNone);
  for (std::size_t i = 0; i < old.size(); ++i) {
    if (!old[i]) continue;
    auto at = std::lower_bound(tails.begin(), tails.end(), *old[i],
                               [&](std::size_t t, std::int64_t v) { return *old[t] < v; });
    if (at != tails.begin()) previous[i] = *(at - 1);
    if (at == tails.end())
      tails.push_back(i);
    else
      *at = i;
  }
  std::vector<std::size_t> run;
  for (std::size_t i = tails.empty() ? kNone : tails.back(); i != kNone; i = previous[i]) run.push_back(i);
  std::reverse(run.begin(), run.end());
  return run;
}

std::vector<std::int64_t> renumbered(std::size_t n) {
  std::vector<std::int64_t> out(n);
  for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<std::int64_t>(i) * kPositionGap;
  return out;
}

// Far from overflow: a bound checked before filling a gap beyond the first or last kept entry.
constexpr std::int64_t kLimit = std::int64_t{1} << 61;

}  // namespace

std::vector<std::int64_t> sparse_positions(const std::vector<std::optional<std::int64_t>>& old) {
  const auto kept = longest_kept_run(old);
  if (kept.empty()) return renumbered(old.size());
  std::vector<std::int64_t> out(old.size());
  for (auto i : kept) out[i] = *old[i];
  // Fills indices [from, to) strictly between `lo` and `hi`; false when they do not fit.
  auto fill = [&](std::size_t from, std::size_t to, std::int64_t lo, std::int64_t hi) {
    const auto count = static_cast<std::int64_t>(to - from);
    if (count == 0) return true;
    const std::int64_t step = (hi - lo) / (count + 1);
    if (step < 1) return false;
    for (std::size_t i = from; i < to; ++i) out[i] = lo + step * static_cast<std::int64_t>(i - from + 1);
    return true;
  };
  const auto before = static_cast<std::int64_t>(kept.front());
  const auto after = static_cast<std::int64_t>(old.size() - 1 - kept.back());
  const std::int64_t first = *old[kept.front()], last = *old[kept.back()];
  if (first < -kLimit + (before + 1) * kPositionGap || last > kLimit - (after + 1) * kPositionGap)
    return renumbered(old.size());
  bool ok = fill(0, kept.front(), first - (before + 1) * kPositionGap, first);
  for (std::size_t k = 0; ok && k + 1 < kept.size(); ++k)
    ok = fill(kept[k] + 1, kept[k + 1], *old[kept[k]], *old[kept[k + 1]]);
  if (ok) ok = fill(kept.back() + 1, old.size(), last, last + (after + 1) * kPositionGap);
  return ok ? out : renumbered(old.size());
}

}  // namespace dav115::store

#pragma once
// Upstream order for a re-listed folder at the least cost in rows rewritten (private to the store).
// Each entry either had a position in the stored listing or is new. The longest run of entries whose
// old positions are still in increasing order keeps them; the others (new, or moved) get numbers in
// the gaps between their kept neighbours. So one added or moved entry rewrites one row, and a listing
// re-read unchanged rewrites none. Only when a gap is used up is everything renumbered.
#include <cstdint>
#include <optional>
#include <vector>

namespace dav115::store {

// Spacing of fresh numbers: about 20 entries can be put between the same two neighbours before a
// renumbering.
inline constexpr std::int64_t kPositionGap = std::int64_t{1} << 20;

// `old[i]`: the stored position of the entry now at index i, if it was stored. Returns a strictly
// increasing position for every index.
std::vector<std::int64_t> sparse_positions(const std::vector<std::optional<std::int64_t>>& old);

}  // namespace dav115::store

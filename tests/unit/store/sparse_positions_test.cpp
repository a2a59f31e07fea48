#include <catch2/catch.hpp>

#include "../../../src/store/sparse_positions.hpp"

namespace sparse_positions_test {

using dav115::store::kPositionGap;
using dav115::store::sparse_positions;
using Old = std::vector<std::optional<std::int64_t>>;

bool increasing(const std::vector<std::int64_t>& v) {
  for (std::size_t i = 1; i < v.size(); ++i)
    if (v[i - 1] >= v[i]) return false;
  return true;
}

// How many entries got a position other than their stored one (rows an update would rewrite).
std::size_t moved(const Old& old, const std::vector<std::int64_t>& now) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < old.size(); ++i)
    if (!old[i] || *old[i] != now[i]) ++n;
  return n;
}

TEST_CASE("sparse positions: a new listing is numbered with gaps; an unchanged one keeps every number") {
  Old fresh(4);
  auto first = sparse_positions(fresh);
  CHECK(first == std::vector<std::int64_t>{0, kPositionGap, 2 * kPositionGap, 3 * kPositionGap});
  Old same(first.begin(), first.end());
  CHECK(sparse_positions(same) == first);
  CHECK(sparse_positions({}).empty());
}

TEST_CASE("sparse positions: an entry added or moved anywhere renumbers only itself") {
  const std::int64_t g = kPositionGap;
  Old top{std::nullopt, 0, g, 2 * g};  // added first (newest-first ordering)
  auto p = sparse_positions(top);
  CHECK(increasing(p));
  CHECK(moved(top, p) == 1);

  Old middle{0, g, std::nullopt, 2 * g};
  p = sparse_positions(middle);
  CHECK(increasing(p));
  CHECK(moved(middle, p) == 1);

  Old last_to_first{3 * g, 0, g, 2 * g};  // a file touched upstream jumps to the top
  p = sparse_positions(last_to_first);
  CHECK(increasing(p));
  CHECK(moved(last_to_first, p) == 1);
}

TEST_CASE("sparse positions: a used-up gap falls back to renumbering, still in order") {
  Old tight{0, std::nullopt, 1};  // nothing fits between 0 and 1
  auto p = sparse_positions(tight);
  CHECK(increasing(p));
  CHECK(p == std::vector<std::int64_t>{0, kPositionGap, 2 * kPositionGap});

  // Repeated insertions at the same spot: always in order, however many.
  std::vector<std::int64_t> cur = sparse_positions(Old(2));
  for (int i = 0; i < 100; ++i) {
    Old next{cur.front(), std::nullopt};
    for (std::size_t k = 1; k < cur.size(); ++k) next.push_back(cur[k]);
    cur = sparse_positions(next);
    REQUIRE(increasing(cur));
  }
  CHECK(cur.size() == 102);
}

}  // namespace sparse_positions_test

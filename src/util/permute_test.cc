#include "util/permute.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <numeric>
#include <random>
#include <string>
#include <vector>

namespace dt {
namespace {

TEST(PermuteTest, PutsItemsInTheOrderGiven) {
  std::vector<std::string> items = {"a", "b", "c", "d", "e"};
  permute_in_place(items, {4, 0, 1, 3, 2});
  EXPECT_EQ(items, (std::vector<std::string>{"e", "a", "b", "d", "c"}));
}

TEST(PermuteTest, SortsANearlySortedListAndOneFarOutOfOrder) {
  std::mt19937 rng(7);
  std::vector<int> sorted(5000);
  std::iota(sorted.begin(), sorted.end(), 0);
  // A few places out: each swapped with a neighbour up to 3 away.
  std::vector<int> near = sorted;
  for (std::size_t i = 0; i + 3 < near.size(); i += 4) std::swap(near[i], near[i + rng() % 4]);
  sort_nearly_sorted(near);
  EXPECT_EQ(near, sorted);
  // Reversed: the budget runs out and std::sort finishes it.
  std::vector<int> reversed(sorted.rbegin(), sorted.rend());
  sort_nearly_sorted(reversed);
  EXPECT_EQ(reversed, sorted);
  // Shuffled, by a comparison given, with no shifts allowed at all.
  std::vector<int> shuffled = sorted;
  std::shuffle(shuffled.begin(), shuffled.end(), rng);
  sort_nearly_sorted(shuffled, 0, std::greater<>());
  EXPECT_EQ(shuffled, std::vector<int>(sorted.rbegin(), sorted.rend()));
  std::vector<int> empty;
  sort_nearly_sorted(empty);
  EXPECT_TRUE(empty.empty());
}

}  // namespace
}  // namespace dt

#include "util/radix_sort.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <random>
#include <utility>
#include <vector>

namespace dt {
namespace {

TEST(RadixSortTest, SortsByTheKeyAndKeepsTheOrderOfEqualKeys) {
  std::mt19937_64 rng(3);
  std::vector<std::pair<std::uint64_t, int>> items;
  for (int i = 0; i < 20000; ++i) {
    // Keys that differ in their high bits, low bits, or not at all.
    std::uint64_t key = i % 3 == 0 ? rng() : i % 3 == 1 ? rng() % 50 : std::uint64_t{1} << 63;
    items.emplace_back(key, i);
  }
  std::vector<std::pair<std::uint64_t, int>> expected = items;
  std::stable_sort(expected.begin(), expected.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  radix_sort_by(items, [](const auto& item) { return item.first; });
  EXPECT_EQ(items, expected);
}

TEST(RadixSortTest, AscendingKeyOrdersNonNegativeDoublesAsTheyCompare) {
  std::vector<double> values = {3.5, 0, 1e-300, 0.001, 2, 1e300, 0.5, 0.25, 2};
  std::vector<double> expected = values;
  std::sort(expected.begin(), expected.end());
  radix_sort_by(values, ascending_key);
  EXPECT_EQ(values, expected);
  EXPECT_EQ(ascending_key(-1), 0u);
  EXPECT_EQ(ascending_key(-0.0), 0u);
  EXPECT_EQ(ascending_key(std::numeric_limits<double>::quiet_NaN()), 0u);
  std::vector<int> none;
  radix_sort_by(none, [](int i) { return static_cast<std::uint64_t>(i); });
  EXPECT_TRUE(none.empty());
}

}  // namespace
}  // namespace dt

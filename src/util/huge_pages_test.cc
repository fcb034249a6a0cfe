#include "util/huge_pages.h"

#include <gtest/gtest.h>

#include <vector>

namespace dt {
namespace {

TEST(HugePagesTest, AdvisedMemoryIsOrdinaryMemory) {
  std::vector<double> big;
  big.reserve(3 << 20);  // 24 MB: whole huge pages inside
  advise_huge_pages(big);
  big.resize(3 << 20, 1.5);
  double sum = 0;
  for (double d : big) sum += d;
  EXPECT_EQ(sum, 1.5 * (3 << 20));
  std::vector<int> small(10, 1);
  advise_huge_pages(small);  // too small: left alone
  advise_huge_pages(nullptr, 1 << 30);
  EXPECT_EQ(small[9], 1);
}

}  // namespace
}  // namespace dt

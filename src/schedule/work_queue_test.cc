#include "schedule/work_queue.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace dt {
namespace {

TEST(WorkQueueTest, KeepsTheOrderAndKnowsTheTotalAndTheLongestQueued) {
  WorkQueue q({4, 1, 3, 2});
  for (std::size_t i = 0; i < 4; ++i) q.push_back(i);
  EXPECT_EQ(q.size(), 4u);
  EXPECT_DOUBLE_EQ(q.total_seconds(), 10);
  EXPECT_DOUBLE_EQ(q.longest_seconds(), 4);

  q.erase(q.begin());  // item 0 (4 s) dispatched
  EXPECT_DOUBLE_EQ(q.total_seconds(), 6);
  EXPECT_DOUBLE_EQ(q.longest_seconds(), 3);
  auto two = std::find(q.begin(), q.end(), 2u);
  q.erase(two);  // from the middle, as a rerun meant for this runner is taken
  EXPECT_DOUBLE_EQ(q.longest_seconds(), 2);
  EXPECT_EQ(std::vector<std::size_t>(q.begin(), q.end()), (std::vector<std::size_t>{1, 3}));

  q.push_front(0);  // its runner died: back to the front
  EXPECT_EQ(*q.begin(), 0u);
  EXPECT_DOUBLE_EQ(q.longest_seconds(), 4);
  EXPECT_DOUBLE_EQ(q.total_seconds(), 7);
}

TEST(WorkQueueTest, TheLongestQueuedWhateverTheOrderItemsCameIn) {
  // A plan longest first, then one out of order at the back, then one requeued at the front.
  WorkQueue q({5, 4, 4, 2, 3, 1, 6});
  for (std::size_t i = 0; i < 6; ++i) q.push_back(i);
  EXPECT_DOUBLE_EQ(q.longest_seconds(), 5);
  q.erase(q.begin());  // 5 s
  q.erase(q.begin());  // 4 s
  EXPECT_DOUBLE_EQ(q.longest_seconds(), 4);
  q.erase(q.begin());  // the other 4 s
  EXPECT_DOUBLE_EQ(q.longest_seconds(), 3) << "the one that came out of order";
  q.push_front(1);     // a 4 s item back at the front
  EXPECT_DOUBLE_EQ(q.longest_seconds(), 4);
  q.push_back(6);      // longer than all: at the back, out of order
  EXPECT_DOUBLE_EQ(q.longest_seconds(), 6);
  q.erase(std::find(q.begin(), q.end(), 6u));
  q.erase(q.begin());  // item 1 again
  EXPECT_DOUBLE_EQ(q.longest_seconds(), 3);
  q.erase(std::find(q.begin(), q.end(), 4u));
  EXPECT_DOUBLE_EQ(q.longest_seconds(), 2);
  EXPECT_DOUBLE_EQ(q.total_seconds(), 3);
}

TEST(WorkQueueTest, AnEmptyQueueHoldsExactlyNothing) {
  WorkQueue q({0.1, 0.2, 0.7});
  for (std::size_t i = 0; i < 3; ++i) q.push_back(i);
  while (!q.empty()) q.erase(q.begin());
  EXPECT_EQ(q.total_seconds(), 0.0) << "no rounding left over";
  EXPECT_EQ(q.longest_seconds(), 0.0);
}

}  // namespace
}  // namespace dt

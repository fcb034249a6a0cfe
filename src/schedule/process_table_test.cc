#include "schedule/process_table.h"

#include <gtest/gtest.h>

#include <vector>

namespace dt {
namespace {

TEST(ProcessTableTest, NearIdsAndFarOnesAlike) {
  ProcessTable<int> table;
  EXPECT_TRUE(table.empty());
  EXPECT_EQ(table.find(3), nullptr);
  table.insert(100, 1);         // the first id: the vector starts here
  table.insert(101, 2);
  table.insert(99, 3);          // below it: the hash map
  table.insert(1 << 30, 4);     // far beyond it: the hash map
  table.insert(-5, 5);
  table.insert(101, 6);         // again: replaced
  EXPECT_EQ(table.size(), 5u);
  EXPECT_EQ(*table.find(100), 1);
  EXPECT_EQ(*table.find(101), 6);
  EXPECT_EQ(*table.find(99), 3);
  EXPECT_EQ(*table.find(1 << 30), 4);
  EXPECT_EQ(*table.find(-5), 5);
  EXPECT_EQ(table.find(102), nullptr);
  EXPECT_EQ(table.ids(), (std::vector<int>{-5, 99, 100, 101, 1 << 30}));
  table.erase(100);
  table.erase(1 << 30);
  table.erase(7);  // never there
  EXPECT_EQ(table.find(100), nullptr);
  EXPECT_EQ(table.ids(), (std::vector<int>{-5, 99, 101}));
  table.erase(-5);
  table.erase(99);
  table.erase(101);
  EXPECT_TRUE(table.empty());
}

}  // namespace
}  // namespace dt

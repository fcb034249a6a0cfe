#include "util/resource_usage.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <vector>

namespace dt {
namespace {

TEST(ResourceUsageTest, CountsThisProcessAndTheChildrenItWaitedFor) {
  ResourceUsage before = resource_usage();
  // Work of our own, memory of our own, and a child that burns CPU.
  std::vector<char> block(64 << 20, 1);
  volatile unsigned sum = 0;
  for (std::size_t i = 0; i < block.size(); i += 64) sum = sum + static_cast<unsigned>(block[i]);
  ASSERT_EQ(std::system("i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done"), 0);
  ResourceUsage after = resource_usage();
  EXPECT_GT(after.self_cpu_seconds, before.self_cpu_seconds);
  EXPECT_GT(after.children_cpu_seconds, before.children_cpu_seconds);
  EXPECT_GE(after.peak_rss_mb, 64.0);
  std::string text = describe(after);
  EXPECT_NE(text.find("peak RSS"), std::string::npos) << text;
  EXPECT_NE(text.find("the processes it started here"), std::string::npos) << text;
}

}  // namespace
}  // namespace dt

#include "util/interned.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace dt {
namespace {

TEST(InternedTest, EqualValuesShareOneEntryAndReadAsTheString) {
  Interned a = std::string("node-") + "7";
  Interned b("node-7");
  Interned c("node-8");
  EXPECT_EQ(&a.str(), &b.str());
  EXPECT_TRUE(a == b);
  EXPECT_FALSE(a == c);
  EXPECT_TRUE(a == "node-7");
  EXPECT_TRUE(a < c);
  EXPECT_EQ("on " + a + ", " + c, "on node-7, node-8");
  const std::string& read = a;
  EXPECT_EQ(read, "node-7");
  std::ostringstream out;
  out << c;
  EXPECT_EQ(out.str(), "node-8");
  Interned none;
  EXPECT_TRUE(none.empty());
  EXPECT_TRUE(none == Interned(""));
  EXPECT_EQ(sizeof(Interned), sizeof(void*));
}

TEST(InternedTest, ThreadsMakingTheSameNamesGetTheSameEntries) {
  std::vector<const std::string*> seen(8);
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < seen.size(); ++t) {
    threads.emplace_back([&seen, t] {
      for (int i = 0; i < 1000; ++i) Interned("runner_" + std::to_string(i));
      seen[t] = &Interned("runner_500").str();
    });
  }
  for (std::thread& t : threads) t.join();
  for (const std::string* s : seen) EXPECT_EQ(s, seen[0]);
}

}  // namespace
}  // namespace dt

#include "transport/cpu_count.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "transport/remote_command.h"
#include "util/testing/temp_tree.h"

namespace dt {
namespace {

namespace fs = std::filesystem;

// A fake root holding the /proc and /sys files the probe reads.
class FakeRoot : public TempTree {
 public:
  FakeRoot() : TempTree("dt_cpu") { write("proc/loadavg", "0.42 0.30 0.20 1/100 1234\n"); }
  // The probe run by /bin/sh against this root, parsed.
  CpuCount probe() const {
    std::string cmd = "/bin/sh -c " + shell_quote(kCpuProbeScript) + " sh " +
                      shell_quote(dir());
    std::string out;
    if (FILE* p = popen(cmd.c_str(), "r")) {
      char buf[256];
      std::size_t n;
      while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
      EXPECT_EQ(pclose(p), 0);
    }
    std::optional<CpuCount> c = parse_cpu_count(out);
    EXPECT_TRUE(c) << "probe printed '" << out << "'";
    return c.value_or(CpuCount{});
  }
};

TEST(CpuCountTest, ParsesTheProbesThreeFields) {
  std::optional<CpuCount> c = parse_cpu_count("8 2 1.5\n");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->cpus, 8);
  EXPECT_EQ(c->quota, 2);
  EXPECT_DOUBLE_EQ(c->load, 1.5);
}

TEST(CpuCountTest, RejectsGarbage) {
  EXPECT_FALSE(parse_cpu_count(""));
  EXPECT_FALSE(parse_cpu_count("nproc: not found"));
  EXPECT_FALSE(parse_cpu_count("4 0"));
  EXPECT_FALSE(parse_cpu_count("4 0 0.5 extra"));
  EXPECT_FALSE(parse_cpu_count("0 0 0.5"));
  EXPECT_FALSE(parse_cpu_count("4 -1 0.5"));
  EXPECT_FALSE(parse_cpu_count("4 0 -2"));
}

TEST(CpuCountTest, UsableIsTheAffinityCappedByTheQuota) {
  EXPECT_EQ(usable_cpus({8, 0, 0}), 8);
  EXPECT_EQ(usable_cpus({8, 2, 0}), 2);
  EXPECT_EQ(usable_cpus({2, 4, 0}), 2);
}

TEST(CpuCountTest, IdleLeavesTheBusyCoresButAlwaysOne) {
  EXPECT_EQ(idle_cpus({8, 0, 2.6}), 5);
  EXPECT_EQ(idle_cpus({8, 4, 1.2}), 3);
  EXPECT_EQ(idle_cpus({4, 0, 7.0}), 1);
  EXPECT_EQ(idle_cpus({4, 0, 0.0}), 4);
}

TEST(CpuCountTest, Describes) {
  EXPECT_EQ(describe_cpu_count({2, 1, 0.3}), "2 CPUs (cgroup quota 1), load 0.3");
  EXPECT_EQ(describe_cpu_count({1, 0, 0}), "1 CPU, load 0");
}

TEST(CpuCountTest, ProbeWithoutCgroupLimitsReportsNoQuotaAndTheLoad) {
  FakeRoot root;
  root.write("proc/self/cgroup", "0::/user.slice\n");
  root.write("sys/fs/cgroup/user.slice/cpu.max", "max 100000\n");
  CpuCount c = root.probe();
  EXPECT_GE(c.cpus, 1);
  EXPECT_EQ(c.quota, 0);
  EXPECT_DOUBLE_EQ(c.load, 0.42);
}

TEST(CpuCountTest, ProbeTakesTheTightestOfNestedV2Limits) {
  FakeRoot root;
  root.write("proc/self/cgroup", "0::/a/b/c\n");
  root.write("sys/fs/cgroup/a/b/c/cpu.max", "max 100000\n");
  root.write("sys/fs/cgroup/a/b/cpu.max", "150000 100000\n");  // 1.5 CPUs, rounded up
  root.write("sys/fs/cgroup/a/cpu.max", "400000 100000\n");
  EXPECT_EQ(root.probe().quota, 2);
}

TEST(CpuCountTest, ProbeReadsAV1CpuCpuacctController) {
  FakeRoot root;
  root.write("proc/self/cgroup", "5:memory:/x\n3:cpu,cpuacct:/ci/job\n0::/\n");
  root.write("sys/fs/cgroup/cpu,cpuacct/ci/job/cpu.cfs_quota_us", "-1\n");
  root.write("sys/fs/cgroup/cpu,cpuacct/ci/job/cpu.cfs_period_us", "100000\n");
  root.write("sys/fs/cgroup/cpu,cpuacct/ci/cpu.cfs_quota_us", "300000\n");
  root.write("sys/fs/cgroup/cpu,cpuacct/ci/cpu.cfs_period_us", "100000\n");
  root.write("sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us", "-1\n");
  root.write("sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us", "100000\n");
  EXPECT_EQ(root.probe().quota, 3);
}

TEST(CpuCountTest, ProbeCopesWithNoCgroupFilesAtAll) {
  FakeRoot root;
  CpuCount c = root.probe();
  EXPECT_EQ(c.quota, 0);
  EXPECT_DOUBLE_EQ(c.load, 0.42);
}

TEST(CpuCountTest, LocalCountIsSane) {
  CpuCount c = local_cpu_count();
  EXPECT_GE(c.cpus, 1);
  EXPECT_GE(usable_cpus(c), 1);
}

}  // namespace
}  // namespace dt

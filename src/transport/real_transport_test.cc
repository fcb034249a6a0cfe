#include "transport/real_transport.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <thread>

namespace dt {
namespace {

struct Collected {
  std::string out, err;
  std::optional<TransportEvent> exit;
};

// Runs the transport until `process` exits (or 10 s pass), collecting its output.
Collected collect(RealTransport& t, int process) {
  Collected c;
  auto deadline = Clock::now() + std::chrono::seconds(10);
  while (!c.exit) {
    std::optional<TransportEvent> ev = t.wait(deadline);
    if (!ev) break;
    if (ev->process != process) continue;
    if (ev->kind == TransportEvent::Kind::kStdout) c.out += ev->data;
    if (ev->kind == TransportEvent::Kind::kStderr) c.err += ev->data;
    if (ev->kind == TransportEvent::Kind::kExited) c.exit = *ev;
  }
  return c;
}

// Alive and not a zombie (a zombie waits for a reaper that may be slow, but runs nothing).
bool process_alive(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string pid_field, comm, state;
  if (!(stat >> pid_field >> comm >> state)) return false;
  return state != "Z" && state != "X";
}

ProcessSpec sh(const std::string& script) {
  return ProcessSpec{"local", {"sh", "-c", script}, {}, "", "test"};
}

TEST(RealTransportTest, SeparatesStdoutStderrAndReportsExitCode) {
  RealTransport t("/");
  Collected c = collect(t, t.start(sh("echo out; echo err >&2; exit 3")));
  ASSERT_TRUE(c.exit);
  EXPECT_EQ(c.out, "out\n");
  EXPECT_EQ(c.err, "err\n");
  EXPECT_EQ(c.exit->exit_code, 3);
  EXPECT_EQ(c.exit->signal, 0);
}

TEST(RealTransportTest, FeedsStdinAndClosesIt) {
  RealTransport t("/");
  int p = t.start(ProcessSpec{"local", {"cat"}, {}, "", "cat"});
  t.write_stdin(p, "one\n");
  t.write_stdin(p, "two\n");
  t.close_stdin(p);
  Collected c = collect(t, p);
  ASSERT_TRUE(c.exit);
  EXPECT_EQ(c.out, "one\ntwo\n");
  EXPECT_EQ(c.exit->exit_code, 0);
}

TEST(RealTransportTest, PassesEnvironmentAndWorkingDirectory) {
  RealTransport t("/");
  ProcessSpec spec = sh("printf '%s %s' \"$DT_TEST_VALUE\" \"$(pwd)\"");
  spec.env["DT_TEST_VALUE"] = "it's $(here)";
  spec.cwd = "/usr";
  Collected c = collect(t, t.start(spec));
  EXPECT_EQ(c.out, "it's $(here) /usr");
}

TEST(RealTransportTest, AMissingProgramIsAnExitWithAnError) {
  RealTransport t("/");
  Collected c = collect(t, t.start(ProcessSpec{"local", {"/nonexistent/prog"}, {}, "", "x"}));
  ASSERT_TRUE(c.exit);
  EXPECT_NE(c.exit->error.find("cannot run '/nonexistent/prog'"), std::string::npos)
      << c.exit->error;
  EXPECT_NE(c.exit->error.find("No such file or directory"), std::string::npos);
}

TEST(RealTransportTest, TerminateEndsTheWholeProcessGroup) {
  char dir_template[] = "/tmp/dt-lt-XXXXXX";
  ASSERT_NE(mkdtemp(dir_template), nullptr);
  std::string pidfile = std::string(dir_template) + "/bg.pid";
  RealTransport t("/");
  t.set_kill_grace(0.5);
  // The background sleep ignores SIGTERM: only the SIGKILL after the grace period ends it.
  int p = t.start(sh("(trap '' TERM; exec sleep 100) & echo $! > " + pidfile +
                     "; echo started; sleep 100"));
  std::optional<TransportEvent> ev = t.wait(Clock::now() + std::chrono::seconds(5));
  ASSERT_TRUE(ev);
  ASSERT_EQ(ev->data, "started\n");
  t.terminate(p);
  Collected c = collect(t, p);
  ASSERT_TRUE(c.exit);
  EXPECT_EQ(c.exit->signal, SIGTERM);
  pid_t bg = 0;
  std::ifstream(pidfile) >> bg;
  ASSERT_GT(bg, 0);
  bool gone = false;
  for (int i = 0; i < 50 && !gone; ++i) {
    gone = !process_alive(bg);
    if (!gone) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(gone) << "background process " << bg << " survived terminate()";
  std::remove(pidfile.c_str());
  rmdir(dir_template);
}

TEST(RealTransportTest, WaitTimesOutWhenNothingHappens) {
  RealTransport t("/");
  int p = t.start(sh("sleep 5"));
  auto before = Clock::now();
  EXPECT_FALSE(t.wait(before + std::chrono::milliseconds(100)));
  EXPECT_GE(Clock::now() - before, std::chrono::milliseconds(100));
  t.terminate(p);
  EXPECT_TRUE(collect(t, p).exit);
}

TEST(RealTransportTest, CoreCountIsPositive) { EXPECT_GE(local_core_count(), 1); }

// Every connection reads known_hosts and meets its bad lines; the run reports each once.
TEST(RealTransportTest, KnownHostsWarningsComeOnceHoweverManyConnectionsMetThem) {
  std::string known = ::testing::TempDir() + "/real_transport_test.known_hosts";
  std::ofstream(known) << "garbage-host-without-a-key\n";
  std::vector<SshNodeSpec> nodes(2);
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    nodes[i].name = "n" + std::to_string(i + 1);
    nodes[i].host = "127.0.0.1";
    nodes[i].port = 1;  // nothing listens: refused at once
    nodes[i].known_hosts = known;
  }
  RealTransport t("/");
  std::map<std::string, std::string> errors = t.connect(nodes, 5);
  EXPECT_EQ(errors.size(), 2u);
  std::vector<std::string> once{known + ":1: line ignored: no key after the host names"};
  EXPECT_EQ(t.warnings(), once);
  std::remove(known.c_str());
}

}  // namespace
}  // namespace dt

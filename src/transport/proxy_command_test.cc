#include "transport/proxy_command.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

namespace dt {
namespace {

std::string expand(const std::string& command, const ProxyTokens& tokens) {
  std::string out;
  if (auto why = expand_proxy_command(command, tokens, out)) return "error: " + *why;
  return out;
}

// Everything the command writes to its stdout until it closes it, or `limit` passes.
std::string read_all(int fd, std::chrono::milliseconds limit = std::chrono::seconds(5)) {
  std::string out;
  auto give_up = std::chrono::steady_clock::now() + limit;
  char buf[256];
  while (std::chrono::steady_clock::now() < give_up) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 50) != 1) continue;
    ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

// Up to the first newline, for a command that keeps running after it.
std::string read_line(int fd) {
  std::string out;
  char c;
  while (read(fd, &c, 1) == 1 && c != '\n') out += c;
  return out;
}

// Gone: no such process, or a zombie waiting for init (reparented once its shell died).
bool gone(pid_t pid) {
  for (int i = 0; i < 100; ++i) {
    if (kill(pid, 0) != 0 && errno == ESRCH) return true;
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string pid_field, name, state;
    if (stat >> pid_field >> name >> state && state == "Z") return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

TEST(ExpandProxyCommandTest, ReplacesEveryToken) {
  ProxyTokens t{"10.0.3.7", 2222, "ci", "ci1"};
  EXPECT_EQ(expand("ssh -W %h:%p -l %r gw # %n 100%%", t),
            "ssh -W 10.0.3.7:2222 -l ci gw # ci1 100%");
  EXPECT_EQ(expand("nc %h %p", {"fd00::1", 22, "u", "v6"}), "nc fd00::1 22");
  EXPECT_EQ(expand("no tokens at all", t), "no tokens at all");
}

TEST(ExpandProxyCommandTest, ValuesThatAreNotPlainWordsAreQuoted) {
  ProxyTokens t{"$(touch /tmp/x)", 22, "o'brien", "a b"};
  EXPECT_EQ(expand("nc %h %p", t), "nc '$(touch /tmp/x)' 22");
  EXPECT_EQ(expand("x %r", t), "x 'o'\\''brien'");
  EXPECT_EQ(expand("x %n", t), "x 'a b'");
  EXPECT_EQ(expand("x %r", {"h", 22, "", "h"}), "x ''");
}

TEST(ExpandProxyCommandTest, UnknownTokensAndALonePercentAreErrors) {
  ProxyTokens t{"h", 22, "u", "h"};
  EXPECT_EQ(expand("nc %h %d", t),
            "error: unknown token %d in 'nc %h %d' (ProxyCommand takes %h, %p, %r, %n and %%)");
  EXPECT_EQ(expand("nc %h 10%", t), "error: '%' at the end of 'nc %h 10%' (write %% for a '%')");
}

// The quoting holds in a real shell: the host comes out as the bytes it is, and nothing ran.
TEST(ProxyCommandTest, ASubstitutedHostStaysData) {
  std::string marker = ::testing::TempDir() + "/proxy-command-injected";
  std::filesystem::remove(marker);
  std::string host = "$(touch " + marker + ");`touch " + marker + "` x";
  std::string command;
  ASSERT_FALSE(expand_proxy_command("printf '%%s' %h", {host, 22, "u", "n"}, command));
  ProxyCommand proxy(command);
  ASSERT_EQ(proxy.error(), "");
  EXPECT_EQ(read_all(proxy.inner_fd()), host);
  EXPECT_FALSE(std::filesystem::exists(marker));
  close(proxy.inner_fd());
}

TEST(ProxyCommandTest, CarriesBytesBothWays) {
  std::string sent(100000, 'x');  // more than a socket buffer holds
  sent += "end";
  // Echoes what it is sent, then ends (the session never half-closes: its end is the end).
  ProxyCommand proxy("head -c " + std::to_string(sent.size()));
  ASSERT_EQ(proxy.error(), "");
  int fd = proxy.inner_fd();
  std::thread writer(
      [&] { EXPECT_EQ(write(fd, sent.data(), sent.size()), static_cast<ssize_t>(sent.size())); });
  std::string got = read_all(fd);
  writer.join();
  EXPECT_EQ(got.size(), sent.size());
  EXPECT_TRUE(got == sent);
  EXPECT_LT(proxy.quiet_for(), std::chrono::seconds(2));
  close(fd);
}

TEST(ProxyCommandTest, ACommandThatGivesUpSaysHowWithItsFirstStderrLine) {
  ProxyCommand proxy(
      "echo >&2; echo 'cannot reach h1: No route to host' >&2; echo more >&2; exit 3");
  ASSERT_EQ(proxy.error(), "");
  EXPECT_EQ(read_all(proxy.inner_fd()), "");  // its stdout closed
  EXPECT_EQ(proxy.ended(std::chrono::seconds(5)),
            "ProxyCommand 'echo >&2; echo 'cannot reach h1: No route to host' >&2; echo more >&2; "
            "exit 3' exited with status 3: cannot reach h1: No route to host");
  close(proxy.inner_fd());
}

TEST(ProxyCommandTest, WhileItRunsEndedSaysNothing) {
  ProxyCommand proxy("exec sleep 30");
  ASSERT_EQ(proxy.error(), "");
  EXPECT_EQ(proxy.ended(std::chrono::milliseconds(100)), "");
  close(proxy.inner_fd());
}

// Ended with its whole process group, SIGTERM ignored or not, and reaped.
TEST(ProxyCommandTest, TheCommandAndWhatItStartedEndWithTheCarrier) {
  pid_t leader = -1;
  pid_t child = -1;
  auto start = std::chrono::steady_clock::now();
  {
    ProxyCommand proxy("trap '' TERM; sleep 60 & echo $$ $!; wait");
    ASSERT_EQ(proxy.error(), "");
    std::string line = read_line(proxy.inner_fd());
    ASSERT_EQ(std::sscanf(line.c_str(), "%d %d", &leader, &child), 2) << line;
    close(proxy.inner_fd());
  }
  double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_TRUE(gone(leader)) << "the shell is still there";
  EXPECT_TRUE(gone(child)) << "its sleep is still there";
  EXPECT_LT(took, 5);
}

}  // namespace
}  // namespace dt

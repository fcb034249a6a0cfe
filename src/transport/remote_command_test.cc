#include "transport/remote_command.h"

#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>

namespace dt {
namespace {

// Runs `command` with /bin/sh in a session of its own, as sshd would with the user's login
// shell, and returns stdout. (The wrapper's watchdog kills its own process group: without
// setsid that would be the test's.)
std::string run_sh(const std::string& command) {
  std::string quoted = shell_quote(command);
  FILE* p = popen(("setsid sh -c " + quoted).c_str(), "r");
  std::string out;
  std::array<char, 4096> buf;
  while (std::size_t n = std::fread(buf.data(), 1, buf.size(), p)) out.append(buf.data(), n);
  pclose(p);
  return out;
}

TEST(ShellQuoteTest, QuotesEverythingAsData) {
  EXPECT_EQ(shell_quote("plain"), "'plain'");
  EXPECT_EQ(shell_quote("it's"), "'it'\\''s'");
  EXPECT_EQ(shell_quote(""), "''");
  for (std::string hostile : {"$(touch pwned)", "`touch pwned`", "a b\tc", "q'uo\"te",
                              "back\\slash", "ünïcode", "; rm -rf /", "-n", "*"}) {
    EXPECT_EQ(run_sh("printf %s " + shell_quote(hostile)), hostile);
  }
}

TEST(RemoteCommandTest, RunsArgvAsDataWithEnvironmentInDirectory) {
  std::filesystem::path dir = std::filesystem::temp_directory_path() / "dt rc 'test' $(x)";
  std::filesystem::create_directories(dir);
  ProcessSpec spec{
      "n1",
      {"sh", "-c", "printf '%s|%s|%s' \"$1\" \"$K\" \"$(pwd)\"", "arg0", "$(touch pwned) it's"},
      {{"K", "v a'l $(x)"}},
      "",
      "t"};
  std::string out = run_sh(remote_command(spec, dir.string(), 1) + " </dev/null");
  EXPECT_EQ(out, "$(touch pwned) it's|v a'l $(x)|" + dir.string());
  EXPECT_FALSE(std::filesystem::exists(dir / "pwned"));
  EXPECT_FALSE(std::filesystem::exists("pwned"));
  std::filesystem::remove_all(dir);
}

TEST(RemoteCommandTest, FeedsStdinAndKeepsTheExitStatus) {
  ProcessSpec spec{
      "n1", {"sh", "-c", "while read l; do echo \"got $l\"; done; exit 7"}, {}, "", "t"};
  std::string cmd = "printf 'a\\nb\\n' | " + remote_command(spec, "", 1) + "; echo \"rc=$?\"";
  EXPECT_EQ(run_sh(cmd), "got a\ngot b\nrc=7\n");
}

TEST(RemoteCommandTest, ACommandThatIgnoresStdinEndsWithoutWaitingForIt) {
  ProcessSpec spec{"n1", {"sh", "-c", "echo hook; exit 3"}, {}, "", "t"};
  // stdin stays open for 5 s; the wrapper must not wait for it.
  auto start = std::chrono::steady_clock::now();
  std::string out = run_sh(
      std::string("d=$(mktemp -d); mkfifo \"$d/p\"; (exec sleep 5 >\"$d/p\") >/dev/null & ") + "(" +
      remote_command(spec, "", 1) + ") <\"$d/p\"; echo \"rc=$?\"; kill $!; rm -rf \"$d\"");
  EXPECT_EQ(out, "hook\nrc=3\n");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
}

TEST(RemoteCommandTest, AHookReadsDevNullAndOutlivesTheGraceWhileItsStdinIsOpen) {
  ProcessSpec spec{"n1", {"sh", "-c", "sleep 2; cat; echo done; exit 4"}, {}, "", "t", true};
  // The master's end stays open (as during a run) for 5 s; the hook takes 2 s and must not be
  // killed after the 1 s grace, and must not see what the master writes.
  std::string out = run_sh(std::string("d=$(mktemp -d); mkfifo \"$d/p\"; ") +
                           "(echo secret; exec sleep 5) >\"$d/p\" & (" + remote_command(spec, "", 1) +
                           ") <\"$d/p\"; echo \"rc=$?\"; kill $!; rm -rf \"$d\"");
  EXPECT_EQ(out, "done\nrc=4\n");
}

}  // namespace
}  // namespace dt

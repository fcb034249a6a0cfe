#include "sync/sync.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <deque>

#include "report/testing/quiet_status.h"
#include "transport/transport.h"

namespace dt {
namespace {

// A node whose lock holder says "locked" at once; then the rsync fails (`rsync_fails`), or the
// lock holder dies while the rsync runs until it is ended. Events come out in the order they
// are caused.
class ScriptedSync : public Transport {
 public:
  std::vector<std::string> labels;  // by process id
  std::vector<std::string> log;     // "terminate 2", "exit 2"
  std::vector<ProcessSpec::Relay> relays;  // of the processes started with one
  bool rsync_fails = true;
  int start(const ProcessSpec& spec) override {
    int id = static_cast<int>(labels.size());
    labels.push_back(spec.label);
    if (spec.relay) relays.push_back(*spec.relay);
    if (spec.label.ends_with("/lock")) {
      events.push_back({TransportEvent::Kind::kStdout, id, "locked\n"});
    } else if (rsync_fails) {
      events.push_back({TransportEvent::Kind::kExited, id, "", 23});
    } else {
      events.push_back({TransportEvent::Kind::kExited, 0, "", 255});  // the lock holder
    }
    return id;
  }
  void write_stdin(int, const std::string&) override {}
  void close_stdin(int) override {}
  void terminate(int process) override {
    log.push_back("terminate " + labels[process]);
    events.push_back({TransportEvent::Kind::kExited, process, "", -1, 15});
  }
  std::optional<TransportEvent> wait(Clock::time_point) override {
    if (events.empty()) return TransportEvent{TransportEvent::Kind::kInterrupted};  // stuck
    TransportEvent ev = events.front();
    events.pop_front();
    if (ev.kind == TransportEvent::Kind::kExited) log.push_back("exit " + labels[ev.process]);
    return ev;
  }
  Clock::time_point now() const override { return Clock::time_point(); }
  int cores(const std::string&) override { return 1; }

 private:
  std::deque<TransportEvent> events;
};

const std::string kTemplates = std::string(DISTRIBUTEST_SOURCE_DIR) + "/templates";

SshNodeSpec node_n1() {
  SshNodeSpec node;
  node.name = "n1";
  node.host = "10.0.0.1";
  node.remote_dir = "/srv/dt/p@box";
  return node;
}

// Syncs n1 on `transport`; fails the test when the sync got stuck.
std::map<std::string, std::string> sync_n1(ScriptedSync& transport,
                                           const std::string& templates = kTemplates) {
  QuietStatus status;
  bool interrupted = false;
  auto errors = sync_nodes(transport, status, {SyncTarget{node_n1(), "/srv/dt"}},
                           SyncOptions{"/home/u/p", templates, {}}, &interrupted);
  EXPECT_FALSE(interrupted) << "stuck";
  return errors;
}

TEST(SyncNodesTest, AFailedRsyncIsTheNodesErrorAndThenTheLockIsReleased) {
  ScriptedSync transport;
  auto errors = sync_n1(transport);
  ASSERT_EQ(errors.count("n1"), 1u);
  EXPECT_NE(errors["n1"].find("rsync exited with status 23"), std::string::npos) << errors["n1"];
  EXPECT_EQ(transport.log, (std::vector<std::string>{"exit n1/rsync", "terminate n1/lock"}));
}

// The next run may take the dir once the lock is gone: nothing of ours may go on copying into
// it, so the rsync is ended and the node is not synced.
TEST(SyncNodesTest, ALockLostDuringTheRsyncEndsTheRsync) {
  ScriptedSync transport;
  transport.rsync_fails = false;
  auto errors = sync_n1(transport);
  ASSERT_EQ(errors.count("n1"), 1u);
  EXPECT_EQ(transport.log,
            (std::vector<std::string>{"exit n1/lock", "terminate n1/rsync", "exit n1/rsync"}));
}

TEST(SyncNodesTest, RunnerTemplatesThatCannotBeCopiedFailEveryNodeWithTheReason) {
  ScriptedSync transport;
  auto errors = sync_n1(transport, "/nonexistent/templates");
  ASSERT_EQ(errors.count("n1"), 1u);
  EXPECT_NE(errors["n1"].find("cannot copy the runner templates /nonexistent/templates/runners"),
            std::string::npos)
      << errors["n1"];
  EXPECT_TRUE(transport.log.empty());
}

bool has(const std::vector<std::string>& argv, const std::string& word) {
  return std::find(argv.begin(), argv.end(), word) != argv.end();
}

// The hash is pinned: a change of it moves every existing copy on every node.
TEST(SyncTest, RemoteDirIsKeyedByProjectPathAndInitiatingHost) {
  // 8 hex digits of sha256("/home/ann/src/shop").
  EXPECT_EQ(remote_project_dir(".cache/distributest", "/home/ann/src/shop", "devbox"),
            ".cache/distributest/shop-ec111902@devbox");
  EXPECT_EQ(remote_project_dir("/srv/dt/", "/home/ann/my app/", "lap"),
            "/srv/dt/my app-e6f847df@lap");
  EXPECT_EQ(legacy_project_dir("/srv/dt/", "/home/ann/my app/", "lap"), "/srv/dt/my app@lap");
}

// Found in review: two checkouts named `app` in different folders shared app@host on the nodes,
// and one run saw the other's files.
TEST(SyncTest, CheckoutsWithTheSameNameGetDirectoriesOfTheirOwn) {
  std::string ann = remote_project_dir(".cache/distributest", "/home/ann/app", "box");
  std::string bob = remote_project_dir(".cache/distributest", "/home/ann/old/app", "box");
  EXPECT_NE(ann, bob);
  EXPECT_TRUE(ann.starts_with(".cache/distributest/app-")) << ann;
  EXPECT_TRUE(bob.starts_with(".cache/distributest/app-")) << bob;
}

TEST(SyncTest, RefusesRemoteRootsThatAreNotDedicatedDirectories) {
  for (const char* bad : {"", "/", "~", "~/", ".", "..", "/root", "/home", "/tmp", "/etc/",
                          "/usr", "/home/ann", "a/../..", "~/cache"}) {
    EXPECT_NE(check_remote_root(bad), "") << "accepted '" << bad << "'";
  }
  for (const char* good : {".cache/distributest", "/srv/distributest", "/tmp/dt-ci",
                           "/home/ann/.cache/distributest"}) {
    EXPECT_EQ(check_remote_root(good), "") << "refused '" << good << "'";
  }
  EXPECT_NE(check_remote_root("/").find("not a dedicated directory"), std::string::npos);
}

// rsync never sees the node's address, port, user or key: its remote shell is the relay over
// the session the master opened and verified (an IPv6 host once became an rsync daemon spec).
TEST(SyncTest, RsyncReachesTheNodeThroughTheRelayAndKeepsOurFilesOutOfDelete) {
  std::vector<std::string> argv =
      rsync_argv("/src/app", "/tmp/stage/.distributest-runtime", {"tmp/", "*.log"});
  EXPECT_EQ(argv[0], "rsync");
  EXPECT_TRUE(has(argv, "--delete"));
  EXPECT_TRUE(has(argv, "--protect-args"));  // remote paths with spaces are data
  auto e = std::find(argv.begin(), argv.end(), "-e");
  ASSERT_NE(e, argv.end());
  const std::string& rsh = *(e + 1);
  // The relay program beside this test binary, as beside distributest in a build tree.
  EXPECT_TRUE(rsh.ends_with("/distributest-ssh-relay")) << rsh;
  EXPECT_EQ(rsh.find("ssh "), std::string::npos) << rsh;
  EXPECT_TRUE(has(argv, "--exclude=/.distributest-dir"));
  EXPECT_TRUE(has(argv, "--exclude=/.distributest-lock"));
  EXPECT_TRUE(has(argv, std::string("--exclude=/") + kRemoteRuntimeDir));
  EXPECT_TRUE(has(argv, "--exclude=tmp/"));
  EXPECT_TRUE(has(argv, "--exclude=*.log"));
  EXPECT_TRUE(has(argv, "--filter=:- .gitignore"));
  // The adapters' include comes before every rule of the project's.
  auto include = std::find(argv.begin(), argv.end(), "--include=/.distributest-runtime/***");
  ASSERT_NE(include, argv.end());
  EXPECT_LT(include, std::find(argv.begin(), argv.end(), "--exclude=tmp/"));
  EXPECT_LT(include, std::find(argv.begin(), argv.end(), "--filter=:- .gitignore"));
  EXPECT_EQ(argv[argv.size() - 3], "/src/app/");
  EXPECT_EQ(argv[argv.size() - 2], "/tmp/stage/.distributest-runtime");
  EXPECT_EQ(argv.back(), "node:./");  // relative to the synced dir, where the relay runs it
}

TEST(SyncNodesTest, TheRsyncRunsItsRemoteHalfInTheSyncedDirUnderItsBusyLock) {
  ScriptedSync transport;
  QuietStatus status;
  SshNodeSpec node;
  node.name = "n1";
  node.host = "::1";
  node.remote_dir = ".cache/distributest/p@box";
  bool interrupted = false;
  sync_nodes(transport, status, {SyncTarget{node, ".cache/distributest"}},
             SyncOptions{"/home/u/p", kTemplates, {}}, &interrupted);
  ASSERT_EQ(transport.relays.size(), 1u);  // the project and the adapters in one transfer
  for (const ProcessSpec::Relay& relay : transport.relays) {
    EXPECT_EQ(relay.node, "n1");
    EXPECT_EQ(relay.cwd, ".cache/distributest/p@box");
    EXPECT_EQ(relay.command_prefix, remote_hold_prefix());
  }
}

}  // namespace
}  // namespace dt

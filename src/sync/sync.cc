#include "sync/sync.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <utility>

#include "report/status.h"
#include "sync/rsync_batch.h"
#include "sync/target_lock.h"
#include "transport/ssh_relay.h"
#include "transport/transport.h"

namespace dt {

namespace {

// Every command on a node holds it shared (remote_hold_prefix); target_lock.cc waits for it.
constexpr const char* kBusy = ".distributest-busy";

// The rules file of git_ignored_rules() for rsync's --filter=merge, in the temp dir for as
// long as the syncs run.
class RulesFile {
 public:
  explicit RulesFile(const std::string& rules) {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "distributest-sync.XXXXXX").string();
    int fd = mkstemp(pattern.data());
    if (fd < 0) {
      error_ = "cannot create " + pattern + ": " + std::strerror(errno);
      return;
    }
    path_ = pattern;
    std::string_view left = rules;
    while (!left.empty()) {
      ssize_t n = write(fd, left.data(), left.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        error_ = "cannot write " + path_ + ": " + std::strerror(errno);
        break;
      }
      left.remove_prefix(static_cast<std::size_t>(n));
    }
    if (close(fd) != 0 && error_.empty()) {
      error_ = "cannot write " + path_ + ": " + std::strerror(errno);
    }
  }
  ~RulesFile() {
    if (!path_.empty()) unlink(path_.c_str());
  }
  RulesFile(const RulesFile&) = delete;
  RulesFile& operator=(const RulesFile&) = delete;

  const std::string& path() const { return path_; }
  const std::string& error() const { return error_; }

 private:
  std::string path_;
  std::string error_;
};

// The adapters the nodes get, in a private temp dir as `<dir>/.distributest-runtime/runners`
// with the templates' own modes and times: so one rsync per node carries the project and them
// (a second rsync cost each node another rsync and relay start, about a third of the master's
// CPU per node), and a resync of unchanged adapters sends nothing.
class StagedRuntime {
 public:
  explicit StagedRuntime(const std::string& templates_dir) {
    namespace fs = std::filesystem;
    std::string pattern = (fs::temp_directory_path() / "distributest-runtime.XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) {
      error_ = "cannot create " + pattern + ": " + std::strerror(errno);
      return;
    }
    top_ = pattern;
    fs::path source = fs::path(templates_dir) / "runners";
    fs::path copy = fs::path(top_) / kRemoteRuntimeDir / "runners";
    std::error_code ec;
    fs::create_directories(copy.parent_path(), ec);
    if (!ec) fs::copy(source, copy, fs::copy_options::recursive | fs::copy_options::copy_symlinks, ec);
    for (fs::recursive_directory_iterator it(source, ec), end; !ec && it != end; it.increment(ec)) {
      fs::path target = copy / fs::relative(it->path(), source, ec);
      if (!ec && !it->is_symlink()) fs::last_write_time(target, it->last_write_time(), ec);
    }
    if (!ec) fs::last_write_time(copy, fs::last_write_time(source, ec), ec);
    if (ec) error_ = "cannot copy the runner templates " + source.string() + ": " + ec.message();
    if (error_.empty()) {
      // What the copies this sync fills will share (rsync_batch.h); should it not be written,
      // they say "copy unknown" next time and each gets a rsync of its own, as before.
      std::ofstream(fs::path(path()) / kSyncIdFile) << new_sync_id() << '\n';
    }
  }
  ~StagedRuntime() {
    std::error_code ignored;  // a temp dir left behind is not worth failing a finished run for
    if (!top_.empty()) std::filesystem::remove_all(top_, ignored);
  }
  StagedRuntime(const StagedRuntime&) = delete;
  StagedRuntime& operator=(const StagedRuntime&) = delete;

  std::string path() const { return top_ + "/" + kRemoteRuntimeDir; }
  // A private place for the rsync batches, removed with the rest.
  std::string scratch(const std::string& name) const { return top_ + "/" + name; }
  const std::string& error() const { return error_; }

 private:
  std::string top_;
  std::string error_;
};

std::string without_trailing_slashes(std::string path) {
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  return path;
}

// The first 8 hex digits of the SHA-256 of `text`: enough to tell one box's checkouts apart,
// short enough to leave the project's name readable.
std::string short_hash(const std::string& text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(text.data(), text.size(), digest, &size, EVP_sha256(), nullptr);
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < 4 && i < size; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 0xf];
  }
  return out;
}

// Copies the locks found alike (the same "copy" line), and the batch the first of them writes.
struct CopyGroup {
  enum class State { kWriting, kWritten, kFailed } state = State::kWriting;
  std::string batch;                 // the file
  std::vector<std::size_t> waiting;  // copies locked while it was being written
};

struct NodeSync {
  // kWaiting: locked, waiting for its group's batch. kFailing: the lock is gone and the rsync
  // is being ended.
  enum class Step { kLocking, kWaiting, kSyncing, kFailing, kDone, kFailed } step = Step::kLocking;
  int lock_process = -1;
  int rsync = -1;  // the rsync, or the replay of a batch, while it runs
  bool replaying = false;
  bool ending_replay = false;
  CopyGroup* writes_batch = nullptr;  // its rsync writes this group's batch
  std::string output;
  std::string error;
  bool said_waiting = false;
};

}  // namespace

std::string remote_project_dir(const std::string& remote_root, const std::string& project_dir,
                               const std::string& initiating_host) {
  std::string path = without_trailing_slashes(project_dir);
  std::string name = std::filesystem::path(path).filename().string();
  return without_trailing_slashes(remote_root) + "/" + name + "-" + short_hash(path) + "@" +
         initiating_host;
}

std::string legacy_project_dir(const std::string& remote_root, const std::string& project_dir,
                               const std::string& initiating_host) {
  std::string path = without_trailing_slashes(project_dir);
  std::string name = std::filesystem::path(path).filename().string();
  return without_trailing_slashes(remote_root) + "/" + name + "@" + initiating_host;
}

std::string check_remote_root(const std::string& remote_root) {
  std::string r = remote_root;
  while (r.size() > 1 && r.back() == '/') r.pop_back();
  static const char* const kRefused[] = {"", "/", "~", ".", "..", "/root", "/home", "/tmp",
                                         "/etc", "/usr", "/var", "/opt", "/srv", "/bin", "/lib"};
  for (const char* bad : kRefused) {
    if (r == bad) {
      return "remote_root '" + remote_root + "' is not a dedicated directory; use one that " +
             "distributest can own, such as the default .cache/distributest";
    }
  }
  if (r.find("..") != std::string::npos) return "remote_root '" + remote_root + "' contains '..'";
  if (r.starts_with("~")) {
    return "remote_root '" + remote_root + "': write paths under the home without '~' " +
           "(relative paths are relative to the remote home)";
  }
  if (r.starts_with("/home/") && r.find('/', 6) == std::string::npos) {
    return "remote_root '" + remote_root + "' is a home directory, not a dedicated directory";
  }
  return "";
}

std::vector<std::string> rsync_filter_args(const std::vector<std::string>& excludes,
                                           const std::string& git_rules_file) {
  std::vector<std::string> args;
  for (const std::string& own : own_excludes()) args.push_back("--exclude=" + own);
  for (const std::string& e : excludes) args.push_back("--exclude=" + e);
  if (git_rules_file.empty()) {
    args.push_back("--filter=:- .gitignore");  // each directory's .gitignore, on both sides
    return args;
  }
  args.push_back("--filter=merge " + git_rules_file);
  // On the node only: what node_setup made there and a .gitignore names (.venv, node_modules)
  // stays. Perishable: a directory gone from the source goes, whatever is in it.
  args.push_back("--filter=dir-merge,-rp .gitignore");
  return args;
}

std::vector<std::string> rsync_rule_args(const std::vector<std::string>& excludes,
                                         const std::string& git_rules_file) {
  // First match wins: the adapters go whole, whatever the project's rules say about such paths
  // (a .gitignore with `*.py`), and what is stale in them is deleted.
  std::vector<std::string> args{std::string("--include=/") + kRemoteRuntimeDir + "/***"};
  std::vector<std::string> filters = rsync_filter_args(excludes, git_rules_file);
  args.insert(args.end(), filters.begin(), filters.end());
  return args;
}

std::vector<std::string> rsync_argv(const std::string& project_dir, const std::string& runtime_dir,
                                    const std::vector<std::string>& excludes,
                                    const std::string& git_rules_file) {
  // The host is a placeholder: the relay runs rsync's remote half on the node's own session.
  std::vector<std::string> argv{"rsync", "-a", "--delete", "--protect-args", "-e", ssh_relay_rsh()};
  std::vector<std::string> rules = rsync_rule_args(excludes, git_rules_file);
  argv.insert(argv.end(), rules.begin(), rules.end());
  argv.push_back(project_dir + "/");
  argv.push_back(runtime_dir);  // no slash: the directory itself, by its name
  argv.push_back(std::string(kRelayHost) + ":./");
  return argv;
}

std::vector<std::string> remote_hold_prefix() { return {"flock", "-s", kBusy}; }

std::map<std::string, std::string> sync_nodes(Transport& transport, Status& status,
                                              const std::vector<SyncTarget>& targets,
                                              const SyncOptions& options, bool* interrupted) {
  std::vector<NodeSync> state(targets.size());
  std::map<int, std::size_t> owner;
  std::optional<RulesFile> git_rules;
  const std::string rules = git_ignored_rules(options.shipped);  // "" outside git
  if (options.shipped.from_git) {
    git_rules.emplace(rules);
    if (!git_rules->error().empty()) {
      std::map<std::string, std::string> errors;
      for (const SyncTarget& t : targets) errors[t.node.name] = git_rules->error();
      return errors;
    }
  }
  StagedRuntime runtime(options.templates_dir);
  if (!runtime.error().empty()) {
    std::map<std::string, std::string> errors;
    for (const SyncTarget& t : targets) errors[t.node.name] = runtime.error();
    return errors;
  }
  const std::optional<std::string> replay = read_batch_command(options.shipped.excludes, rules);
  std::map<std::string, CopyGroup> groups;  // by the lock's "copy" line
  auto start_local = [&](std::size_t i, std::vector<std::string> argv, const std::string& input) {
    const SshNodeSpec& node = targets[i].node;
    // The log tells a replay of the group's batch from a rsync by its label.
    ProcessSpec spec{"local", std::move(argv), {}, "", node.name + (input.empty() ? "/rsync" : "/replay")};
    spec.stdin_file = input;
    // rsync's remote half runs in the synced dir, under its busy lock like every command of
    // ours there, so a later run's sync waits for it even if this master dies.
    spec.relay = ProcessSpec::Relay{node.name, remote_hold_prefix(), node.remote_dir};
    state[i].step = NodeSync::Step::kSyncing;
    state[i].output.clear();
    state[i].rsync = transport.start(spec);
    owner[state[i].rsync] = i;
  };
  auto start_rsync = [&](std::size_t i, CopyGroup* writes_batch) {
    std::vector<std::string> argv = rsync_argv(options.project_dir, runtime.path(),
                                               options.shipped.excludes,
                                               git_rules ? git_rules->path() : "");
    if (writes_batch) argv.insert(argv.begin() + 1, "--write-batch=" + writes_batch->batch);
    state[i].replaying = false;
    state[i].writes_batch = writes_batch;
    start_local(i, std::move(argv), "");
  };
  auto start_replay = [&](std::size_t i, const CopyGroup& group) {
    std::vector<std::string> argv = ssh_relay_argv();
    argv.insert(argv.end(), {kRelayHost, *replay});
    state[i].replaying = true;
    start_local(i, std::move(argv), group.batch);
  };
  // Once locked: the first of a group of alike copies writes the batch, the others replay it.
  auto begin_sync = [&](std::size_t i, const std::string& copy) {
    // A lone node needs no batch (it would be a second copy of what is sent, in the temp dir).
    if (!replay || targets.size() < 2 || copy.empty() || copy == "unknown") {
      return start_rsync(i, nullptr);
    }
    auto [it, first] = groups.try_emplace(copy);
    CopyGroup& group = it->second;
    if (first) {
      group.batch = runtime.scratch("batch-" + std::to_string(groups.size()));
      return start_rsync(i, &group);
    }
    switch (group.state) {
      case CopyGroup::State::kWriting:
        state[i].step = NodeSync::Step::kWaiting;
        group.waiting.push_back(i);
        return;
      case CopyGroup::State::kWritten: return start_replay(i, group);
      case CopyGroup::State::kFailed: return start_rsync(i, nullptr);
    }
  };
  auto batch_finished = [&](CopyGroup& group, bool written) {
    group.state = written ? CopyGroup::State::kWritten : CopyGroup::State::kFailed;
    for (std::size_t w : group.waiting) {
      if (state[w].step != NodeSync::Step::kWaiting) continue;  // its lock went meanwhile
      if (written) {
        start_replay(w, group);
      } else {
        start_rsync(w, nullptr);
      }
    }
    group.waiting.clear();
  };
  for (std::size_t i = 0; i < targets.size(); ++i) {
    const SshNodeSpec& node = targets[i].node;
    ProcessSpec lock{node.name, target_prepare_argv(targets[i].remote_root, node.remote_dir), {},
                     ".", node.name + "/lock"};  // "." = the remote home
    state[i].lock_process = transport.start(lock);
    owner[state[i].lock_process] = i;
  }
  auto pending = [&] {
    for (const NodeSync& s : state) {
      if (s.step != NodeSync::Step::kDone && s.step != NodeSync::Step::kFailed) return true;
    }
    return false;
  };
  while (pending()) {
    std::optional<TransportEvent> ev = transport.wait(Clock::time_point::max());
    if (!ev) continue;
    if (ev->kind == TransportEvent::Kind::kInterrupted) {
      *interrupted = true;
      for (NodeSync& s : state) {
        if (s.step != NodeSync::Step::kDone) {
          s.step = NodeSync::Step::kFailed;
          s.error = "interrupted";
        }
      }
      break;
    }
    auto it = owner.find(ev->process);
    if (it == owner.end()) continue;
    std::size_t i = it->second;
    NodeSync& s = state[i];
    const SshNodeSpec& node = targets[i].node;
    if (ev->kind != TransportEvent::Kind::kExited) {
      s.output += ev->data;
      status.output(node.name + (ev->process == s.lock_process ? "/lock" : "/rsync"), ev->data);
      if (ev->process == s.lock_process && s.step == NodeSync::Step::kLocking) {
        if (s.output.find("waiting\n") != std::string::npos && !s.said_waiting) {
          s.said_waiting = true;
          status.event(Status::Level::kWarning,
                       "node " + node.name + ": another run of this project from this box holds " +
                           node.remote_dir + "; waiting for it to finish");
        }
        if (s.output.find("locked\n") != std::string::npos) {
          std::size_t at = s.output.find("copy ");
          std::size_t end = at == std::string::npos ? at : s.output.find('\n', at);
          begin_sync(i, end == std::string::npos ? "" : s.output.substr(at + 5, end - at - 5));
        }
      } else if (ev->process == s.rsync && s.replaying && !s.ending_replay &&
                 batch_does_not_fit(s.output)) {
        s.ending_replay = true;  // its exit starts a rsync of its own
        transport.terminate(s.rsync);
      }
      continue;
    }
    bool ok = ev->error.empty() && ev->signal == 0 && ev->exit_code == 0;
    if (ev->process == s.lock_process) {
      s.lock_process = -1;
      if (s.step == NodeSync::Step::kDone || s.step == NodeSync::Step::kFailed) continue;
      if (s.error.empty()) {
        s.error = !ev->error.empty() ? ev->error
                  : s.output.empty() ? "preparing " + node.remote_dir + " failed (exit status " +
                                           std::to_string(ev->exit_code) + ")"
                                     : s.output;
        while (!s.error.empty() && s.error.back() == '\n') s.error.pop_back();
      }
      // The lock is gone: nothing of ours may go on copying into the dir.
      if (s.rsync >= 0) transport.terminate(s.rsync);
      s.step = s.rsync < 0 ? NodeSync::Step::kFailed : NodeSync::Step::kFailing;
      continue;
    }
    s.rsync = -1;
    s.ending_replay = false;
    if (s.writes_batch) {
      CopyGroup* group = std::exchange(s.writes_batch, nullptr);
      batch_finished(*group, ok);
    }
    if (s.replaying && !ok && s.step == NodeSync::Step::kSyncing && !ev->node_lost) {
      // Not the copy the batch was written against (or rsync could not read it there).
      start_rsync(i, nullptr);
      continue;
    }
    if (!ok && s.error.empty()) {
      s.error = "rsync " + (ev->error.empty() ? "exited with status " + std::to_string(ev->exit_code)
                                              : ev->error) +
                (s.output.empty() ? "" : ": " + s.output);
      while (!s.error.empty() && s.error.back() == '\n') s.error.pop_back();
    }
    if (!ok) s.step = NodeSync::Step::kFailing;
    if (s.step == NodeSync::Step::kFailing) {
      // Only now, with no rsync of ours left running there, may another run take the dir.
      if (s.lock_process >= 0) transport.terminate(s.lock_process);
      s.step = NodeSync::Step::kFailed;
    } else {
      s.step = NodeSync::Step::kDone;
    }
  }
  std::map<std::string, std::string> errors;
  for (std::size_t i = 0; i < targets.size(); ++i) {
    if (state[i].step != NodeSync::Step::kDone) errors[targets[i].node.name] = state[i].error;
  }
  return errors;
}

}  // namespace dt

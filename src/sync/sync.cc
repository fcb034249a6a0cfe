#include "sync/sync.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <optional>
#include <set>

#include "report/status.h"
#include "sync/target_lock.h"
#include "transport/ssh_relay.h"
#include "transport/transport.h"

namespace dt {

namespace {

// Every command on a node holds it shared (remote_hold_prefix); target_lock.cc waits for it.
constexpr const char* kBusy = ".distributest-busy";
// What rsync is told the host is; it never resolves it (see rsync_argv).
constexpr const char* kRelayHost = "node";

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

struct NodeSync {
  // kFailing: it failed, and its other rsync is being ended; the lock is held until it is gone.
  enum class Step { kLocking, kSyncing, kFailing, kDone, kFailed } step = Step::kLocking;
  int lock_process = -1;
  std::set<int> rsyncs;  // the rsyncs still running
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

std::vector<std::string> rsync_argv(const std::string& source_dir, const std::string& target_dir,
                                    const std::vector<std::string>& excludes,
                                    const std::string& git_rules_file) {
  // The host is a placeholder: the relay runs rsync's remote half on the node's own session.
  std::vector<std::string> argv{"rsync", "-a", "--delete", "--protect-args", "-e", ssh_relay_rsh()};
  std::vector<std::string> filters = rsync_filter_args(excludes, git_rules_file);
  argv.insert(argv.end(), filters.begin(), filters.end());
  argv.push_back(source_dir + "/");
  argv.push_back(std::string(kRelayHost) + ":" + target_dir + "/");
  return argv;
}

std::vector<std::string> remote_hold_prefix() { return {"flock", "-s", kBusy}; }

std::map<std::string, std::string> sync_nodes(Transport& transport, Status& status,
                                              const std::vector<SyncTarget>& targets,
                                              const SyncOptions& options, bool* interrupted) {
  std::vector<NodeSync> state(targets.size());
  std::map<int, std::size_t> owner;
  std::optional<RulesFile> git_rules;
  if (options.shipped.from_git) {
    git_rules.emplace(git_ignored_rules(options.shipped));
    if (!git_rules->error().empty()) {
      std::map<std::string, std::string> errors;
      for (const SyncTarget& t : targets) errors[t.node.name] = git_rules->error();
      return errors;
    }
  }
  auto start_rsync = [&](std::size_t i, const std::string& source, const std::string& target,
                         const std::string& rules_file) {
    const SshNodeSpec& node = targets[i].node;
    ProcessSpec spec{"local", rsync_argv(source, target, options.shipped.excludes, rules_file),
                     {}, "", node.name + "/rsync"};
    // rsync's remote half runs in the synced dir, under its busy lock like every command of
    // ours there, so a later run's sync waits for it even if this master dies.
    spec.relay = ProcessSpec::Relay{node.name, remote_hold_prefix(), node.remote_dir};
    int process = transport.start(spec);
    owner[process] = i;
    state[i].rsyncs.insert(process);
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
          // The project and the adapters go side by side: each rsync is mostly an ssh login.
          s.step = NodeSync::Step::kSyncing;
          s.output.clear();
          start_rsync(i, options.project_dir, ".", git_rules ? git_rules->path() : "");
          start_rsync(i, options.templates_dir, kRemoteRuntimeDir, "");
        }
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
      for (int rsync : s.rsyncs) transport.terminate(rsync);
      s.step = s.rsyncs.empty() ? NodeSync::Step::kFailed : NodeSync::Step::kFailing;
      continue;
    }
    s.rsyncs.erase(ev->process);
    if (!ok && s.error.empty()) {
      s.error = "rsync " + (ev->error.empty() ? "exited with status " + std::to_string(ev->exit_code)
                                              : ev->error) +
                (s.output.empty() ? "" : ": " + s.output);
      while (!s.error.empty() && s.error.back() == '\n') s.error.pop_back();
      for (int rsync : s.rsyncs) transport.terminate(rsync);
    }
    if (!ok) s.step = NodeSync::Step::kFailing;
    if (!s.rsyncs.empty()) continue;
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

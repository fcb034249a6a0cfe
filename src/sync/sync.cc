#include "sync/sync.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <optional>

#include "report/status.h"
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
  }
  ~StagedRuntime() {
    std::error_code ignored;  // a temp dir left behind is not worth failing a finished run for
    if (!top_.empty()) std::filesystem::remove_all(top_, ignored);
  }
  StagedRuntime(const StagedRuntime&) = delete;
  StagedRuntime& operator=(const StagedRuntime&) = delete;

  std::string path() const { return top_ + "/" + kRemoteRuntimeDir; }
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

struct NodeSync {
  // kFailing: the lock is gone and the rsync is being ended.
  enum class Step { kLocking, kSyncing, kFailing, kDone, kFailed } step = Step::kLocking;
  int lock_process = -1;
  int rsync = -1;  // while it runs
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

std::vector<std::string> rsync_argv(const std::string& project_dir, const std::string& runtime_dir,
                                    const std::vector<std::string>& excludes,
                                    const std::string& git_rules_file) {
  // The host is a placeholder: the relay runs rsync's remote half on the node's own session.
  std::vector<std::string> argv{"rsync", "-a", "--delete", "--protect-args", "-e", ssh_relay_rsh()};
  // First match wins: the adapters go whole, whatever the project's rules say about such paths
  // (a .gitignore with `*.py`), and what is stale in them is deleted.
  argv.push_back(std::string("--include=/") + kRemoteRuntimeDir + "/***");
  std::vector<std::string> filters = rsync_filter_args(excludes, git_rules_file);
  argv.insert(argv.end(), filters.begin(), filters.end());
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
  if (options.shipped.from_git) {
    git_rules.emplace(git_ignored_rules(options.shipped));
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
  auto start_rsync = [&](std::size_t i) {
    const SshNodeSpec& node = targets[i].node;
    ProcessSpec spec{"local",
                     rsync_argv(options.project_dir, runtime.path(), options.shipped.excludes,
                                git_rules ? git_rules->path() : ""),
                     {}, "", node.name + "/rsync"};
    // rsync's remote half runs in the synced dir, under its busy lock like every command of
    // ours there, so a later run's sync waits for it even if this master dies.
    spec.relay = ProcessSpec::Relay{node.name, remote_hold_prefix(), node.remote_dir};
    state[i].rsync = transport.start(spec);
    owner[state[i].rsync] = i;
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
          s.step = NodeSync::Step::kSyncing;
          s.output.clear();
          start_rsync(i);
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
      if (s.rsync >= 0) transport.terminate(s.rsync);
      s.step = s.rsync < 0 ? NodeSync::Step::kFailed : NodeSync::Step::kFailing;
      continue;
    }
    s.rsync = -1;
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

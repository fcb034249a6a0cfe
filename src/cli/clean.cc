// `distributest clean`: this box's old run logs, and this box's copy of the project on every
// configured node (only a directory distributest marked as its own).
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <vector>

#include "cli/cli.h"
#include "cli/setup.h"
#include "cli/subcommands.h"
#include "config/config.h"
#include "report/run_log.h"
#include "sync/sync.h"
#include "sync/target_lock.h"
#include "transport/real_transport.h"

namespace dt {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kLogsKept = 10;
constexpr double kConnectTimeoutSeconds = 10;
constexpr double kCleanTimeoutSeconds = 120;

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// Returns false when some log could not be removed.
bool clean_logs(const Config& config, bool dry_run) {
  std::string dir = config.log_dir.value.empty() ? RunLog::default_dir() : config.log_dir.value;
  std::error_code ec;
  if (dir.empty() || !fs::is_directory(dir, ec)) {
    std::cout << "logs: no log directory" << (dir.empty() ? "" : " (" + dir + ")") << "\n";
    return true;
  }
  fs::path latest_target;
  fs::path latest = fs::path(dir) / "latest.log";
  if (fs::is_symlink(fs::symlink_status(latest, ec))) {
    latest_target = fs::read_symlink(latest, ec).filename();
  }
  std::vector<std::string> logs;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    std::error_code type_ec;
    if (name.starts_with("run-") && name.ends_with(".log") &&
        it->symlink_status(type_ec).type() == fs::file_type::regular) {
      logs.push_back(name);
    }
  }
  // run-YYYYmmdd-HHMMSS-<pid>.log: the name orders them by start time.
  std::sort(logs.rbegin(), logs.rend());
  std::vector<std::string> old;
  for (std::size_t i = kLogsKept; i < logs.size(); ++i) {
    if (logs[i] != latest_target.string()) old.push_back(logs[i]);
  }
  if (old.empty()) {
    std::cout << "logs: nothing to remove in " << dir << " (" << logs.size() << " log(s), the newest "
              << kLogsKept << " are kept)\n";
    return true;
  }
  bool ok = true;
  std::size_t removed = 0;
  for (const std::string& name : old) {
    fs::path path = fs::path(dir) / name;
    if (dry_run) {
      std::cout << "would remove " << path.string() << "\n";
      continue;
    }
    std::error_code rm_ec;
    if (fs::remove(path, rm_ec)) {
      std::cout << "removed " << path.string() << "\n";
      ++removed;
    } else if (rm_ec) {
      std::cerr << "distributest: clean: cannot remove " << path.string() << ": " << rm_ec.message()
                << "\n";
      ok = false;
    }
  }
  std::cout << "logs: " << (dry_run ? "would remove " + std::to_string(old.size())
                                    : "removed " + std::to_string(removed))
            << " old log(s) in " << dir << "; kept the newest " << kLogsKept << " and latest.log\n";
  return ok;
}

// One directory to clean on one node: this checkout's copy, or the copy an earlier version
// made under the name that did not tell checkouts apart (reported only when it is there).
struct CleanTarget {
  std::size_t node;  // index into the connected specs
  std::string dir;
  bool legacy = false;
  int process = -1;
  std::string output{};
  bool done = false;
};

// Says what became of one target; returns false when it could not be cleaned.
bool report(const CleanTarget& t, const SshNodeSpec& spec, const TransportEvent& ev, bool dry_run) {
  std::string where = "node " + spec.name + ": " + t.dir;
  std::string said = trimmed(t.output);
  if (!ev.error.empty() || ev.signal != 0) {
    std::cerr << "distributest: clean: " << where << ": "
              << (ev.error.empty() ? "killed by signal " + std::to_string(ev.signal) : ev.error)
              << "\n";
    return false;
  }
  std::string note = t.legacy ? " (named as by earlier versions, which every checkout named " +
                                    fs::path(t.dir).filename().string() + " shared)"
                              : "";
  if (ev.exit_code == 0) {
    std::cout << (dry_run ? "would remove " : "removed ") << where << note << "\n";
    return true;
  }
  if (ev.exit_code == 4 || (t.legacy && ev.exit_code == 3)) {
    if (!t.legacy) std::cout << where << ": nothing there\n";
    return true;  // an old name that is not ours, or not there, is none of this checkout's business
  }
  if (ev.exit_code == 3 || ev.exit_code == 5) {
    std::cerr << "distributest: clean: node " << spec.name << ": " << said << "\n";
  } else {
    std::cerr << "distributest: clean: " << where << ": failed (exit status " << ev.exit_code << ")"
              << (said.empty() ? "" : ": " + said) << "\n";
  }
  return false;
}

// Returns false when some node could not be reached or cleaned.
bool clean_nodes(const Config& config, const std::string& project_dir, bool dry_run) {
  std::vector<SshNodeSpec> specs;
  std::vector<std::string> legacy_dirs;
  bool ok = true;
  for (const NodeConfig& node : config.nodes) {
    if (is_local_node(node)) {
      std::cout << "node " << node.name << ": this box (host = \"local\"), nothing to clean\n";
      continue;
    }
    std::string root = remote_root_of(config, node);
    if (std::string why = check_remote_root(root); !why.empty()) {
      std::cerr << "distributest: clean: node " << node.name << ": " << why << "; not cleaned\n";
      ok = false;
      continue;
    }
    specs.push_back(ssh_spec(config, node, project_dir, 1));
    legacy_dirs.push_back(legacy_project_dir(root, project_dir, initiating_host()));
  }
  if (specs.empty()) return ok;

  RealTransport transport(project_dir);
  std::map<std::string, std::string> errors = transport.connect(specs, kConnectTimeoutSeconds);
  std::vector<CleanTarget> targets;
  for (std::size_t i = 0; i < specs.size(); ++i) {
    if (auto it = errors.find(specs[i].name); it != errors.end()) {
      std::cerr << "distributest: clean: node " << specs[i].name << " (" << specs[i].host
                << "): " << it->second << "\n";
      ok = false;
      continue;
    }
    targets.push_back(CleanTarget{i, specs[i].remote_dir});
    targets.push_back(CleanTarget{i, legacy_dirs[i], true});
  }
  std::map<int, std::size_t> owner;
  for (std::size_t t = 0; t < targets.size(); ++t) {
    const SshNodeSpec& spec = specs[targets[t].node];
    ProcessSpec process{spec.name, target_clean_argv(targets[t].dir, !dry_run), {}, ".",
                        spec.name + "/clean"};  // "." = the remote home
    process.stdin_null = true;
    targets[t].process = transport.start(process);
    owner[targets[t].process] = t;
  }
  std::size_t pending = targets.size();
  Clock::time_point deadline =
      transport.now() + std::chrono::milliseconds(static_cast<long>(kCleanTimeoutSeconds * 1000));
  while (pending > 0) {
    std::optional<TransportEvent> ev = transport.wait(deadline);
    if (!ev || ev->kind == TransportEvent::Kind::kInterrupted) {
      for (const CleanTarget& t : targets) {
        if (t.done) continue;
        std::cerr << "distributest: clean: node " << specs[t.node].name << ": "
                  << (ev ? "interrupted" : "timed out") << " while cleaning " << t.dir << "\n";
      }
      return false;
    }
    auto it = owner.find(ev->process);
    if (it == owner.end()) continue;
    CleanTarget& t = targets[it->second];
    if (ev->kind != TransportEvent::Kind::kExited) {
      t.output += ev->data;
      continue;
    }
    t.done = true;
    --pending;
    ok &= report(t, specs[t.node], *ev, dry_run);
  }
  return ok;
}

}  // namespace

int clean_project(const std::string& project_dir, const std::string& config_file, bool dry_run) {
  Config config;
  if (auto error = load_config_layers(project_dir, config_file, config)) {
    std::cerr << error->message << "\n";
    return kExitUsage;
  }
  if (std::string error = resolve_ssh_config(config, config.nodes, nullptr); !error.empty()) {
    std::cerr << error << "\n";
    return kExitUsage;
  }
  bool logs_ok = clean_logs(config, dry_run);
  bool nodes_ok = clean_nodes(config, project_dir, dry_run);
  return logs_ok && nodes_ok ? kExitPassed : kExitFailed;
}

}  // namespace dt

// `distributest doctor`: checks every configured node in parallel (reachable, host key, auth,
// rsync, flock, the framework's interpreter, CPUs by the run's own probe, free disk,
// round-trip time) and prints one row per node, then the fix for each problem (what a check
// means, row and fixes, is doctor_findings.cc).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "cli/cli.h"
#include "cli/doctor_findings.h"
#include "cli/setup.h"
#include "cli/subcommands.h"
#include "config/config.h"
#include "config/ssh_config.h"
#include "runner/adapter.h"
#include "runner/detect.h"
#include "transport/cpu_count.h"
#include "transport/real_transport.h"
#include "transport/remote_command.h"

namespace dt {

namespace {

constexpr double kConnectTimeoutSeconds = 10;
constexpr double kCheckTimeoutSeconds = 30;

// Run on the node from the remote home (or locally in the project): $1 = the framework,
// $2 = the remote root, $3 = the project's copy there (its .venv counts for pytest). Prints key=value lines; the first one at once, to time the round trip.
constexpr const char* kDoctorScript = R"SH(fw=$1; root=$2
echo hello=1
case "$root" in "~/"*) root="$HOME/${root#\~/}" ;; esac
if command -v rsync >/dev/null 2>&1; then
  echo "rsync=$(rsync --version 2>/dev/null | head -1 | sed 's/ *protocol.*//; s/  */ /g')"
else echo rsync=missing; fi
if command -v flock >/dev/null 2>&1; then echo flock=yes; else echo flock=missing; fi
case "$fw" in
  rspec)
    if command -v ruby >/dev/null 2>&1; then
      r=$(ruby -v 2>&1 | head -1 | cut -d' ' -f1-2)
      if command -v rspec >/dev/null 2>&1; then
        v=$(rspec --version 2>&1 | sed -n 's/.*rspec-core \([0-9.]*\).*/\1/p' | head -1)
        [ -n "$v" ] || v=$(rspec --version 2>&1 | head -1)
        echo "interp=$r, rspec $v"
      else echo "interp=$r, rspec missing"; echo "missing=rspec"; fi
    else echo "interp=missing"; echo "missing=ruby"; fi ;;
  minitest)
    if command -v ruby >/dev/null 2>&1; then echo "interp=$(ruby -v 2>&1 | head -1 | cut -d' ' -f1-2)"
    else echo "interp=missing"; echo "missing=ruby"; fi ;;
  pytest)
    # As the pytest adapter picks it: the first Python that can import pytest.
    p=
    for c in "${DISTRIBUTEST_PYTHON:-}" "${VIRTUAL_ENV:+$VIRTUAL_ENV/bin/python}" "$3/.venv/bin/python" \
             "$3/venv/bin/python" python3 python /usr/bin/python3; do
      [ -n "$c" ] && command -v "$c" >/dev/null 2>&1 || continue
      [ -n "$p" ] || p=$c
      if v=$("$c" -c 'import pytest; print(pytest.__version__)' 2>/dev/null </dev/null); then p=$c; break; fi
      v=
    done
    if [ -z "$p" ]; then echo "interp=missing"; echo "missing=python3"
    else
      pv=$("$p" -c 'import platform; print(platform.python_version())' 2>&1 </dev/null)
      if [ -n "$v" ]; then echo "interp=python $pv, pytest $v"
      else echo "interp=python $pv, pytest missing"; echo "missing=pytest"; fi
    fi ;;
  *)
    if command -v sh >/dev/null 2>&1; then echo "interp=sh"; else echo "interp=missing"; echo "missing=sh"; fi ;;
esac
if mkdir -p "$root" 2>/dev/null; then
  echo "disk_kb=$(df -Pk "$root" 2>/dev/null | tail -1 | awk '{print $4}')"
else echo "disk_kb=unknown"; fi
)SH";

// The doctor script with the run's own CPU probe appended, so the figures doctor shows are
// those runners = "auto" and "idle" go by.
std::string doctor_script() {
  return std::string(kDoctorScript) + "echo \"cpu=$(sh -c " + shell_quote(kCpuProbeScript) +
         ")\"\n";
}



double ms_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
      .count();
}

// Connects (unless local), runs the script, and records what it printed. Runs on a thread of
// its own with a transport of its own, so each node's connect time is its own.
void check_node(RealTransport& transport, NodeCheck& c, const std::string& framework,
                const std::string& project_dir) {
  if (!c.local) {
    auto start = std::chrono::steady_clock::now();
    std::map<std::string, std::string> errors = transport.connect({c.spec}, kConnectTimeoutSeconds);
    c.connect_ms = ms_since(start);
    if (auto it = errors.find(c.spec.name); it != errors.end()) {
      c.connect_error = it->second.empty() ? "cannot connect" : it->second;
      return;
    }
    c.auth_method = transport.auth_method(c.spec.name);
  }
  ProcessSpec spec{c.local ? "local" : c.spec.name,
                   {"sh", "-c", doctor_script(), "doctor", framework,
                    c.local ? project_dir : c.facts["root"], c.local ? project_dir : c.spec.remote_dir},
                   {},
                   c.local ? project_dir : ".",  // "." = the remote home
                   c.spec.name + "/doctor"};
  spec.stdin_null = true;
  auto start = std::chrono::steady_clock::now();
  int process = transport.start(spec);
  Clock::time_point deadline =
      transport.now() + std::chrono::milliseconds(static_cast<long>(kCheckTimeoutSeconds * 1000));
  std::string out;
  for (;;) {
    std::optional<TransportEvent> ev = transport.wait(deadline);
    if (!ev) {
      c.run_error = "the check script timed out";
      transport.terminate(process);
      break;
    }
    if (ev->kind == TransportEvent::Kind::kInterrupted) {
      c.run_error = "interrupted";
      transport.terminate(process);
      break;
    }
    if (ev->process != process) continue;
    if (ev->kind == TransportEvent::Kind::kStdout && c.rtt_ms < 0 &&
        (out + ev->data).find('\n') != std::string::npos) {
      c.rtt_ms = ms_since(start);
    }
    if (ev->kind == TransportEvent::Kind::kStdout) out += ev->data;
    if (ev->kind != TransportEvent::Kind::kExited) continue;
    if (c.rtt_ms < 0) c.rtt_ms = ms_since(start);
    if (!ev->error.empty()) {
      c.run_error = ev->error;
    } else if (ev->signal != 0) {
      c.run_error = "the check script was killed by signal " + std::to_string(ev->signal);
    } else if (ev->exit_code != 0) {
      c.run_error = "the check script failed (exit status " + std::to_string(ev->exit_code) + ")";
    }
    break;
  }
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);) {
    auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    std::string key = line.substr(0, eq);
    if (key == "missing") {
      c.facts["missing"] += (c.facts["missing"].empty() ? "" : " ") + line.substr(eq + 1);
    } else {
      c.facts[key] = line.substr(eq + 1);
    }
  }
  c.ran = c.facts.count("hello") > 0;
}


void print_table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> width;
  for (const auto& row : rows) {
    width.resize(std::max(width.size(), row.size()));
    for (std::size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
  }
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(width[i] - row[i].size() + 2, ' ');
    }
    std::cout << line << "\n";
  }
}


}  // namespace

int doctor(const std::string& project_dir, const std::string& config_file) {
  Config config;
  if (auto error = load_config_layers(project_dir, config_file, config)) {
    std::cerr << error->message << "\n";
    return kExitUsage;
  }
  std::string framework = config.framework.value;
  std::string framework_from = "config";
  if (framework.empty() || framework == "auto") {
    Detection detected = detect_framework(project_dir);
    framework = detected.framework;
    framework_from = "detected: " + detected.reason;
    if (framework.empty()) {
      framework = "command";
      framework_from = "nothing detected";
    }
  }
  std::cout << "framework: " << framework << " (" << framework_from << ")\n";
  if (config.nodes.empty()) {
    std::cout << "no nodes configured: this box alone is used (" << initiating_host() << ", "
              << describe_cpu_count(local_cpu_count()) << ")\n";
    return kExitPassed;
  }

  std::vector<std::string> ssh_notes;
  if (std::string error = resolve_ssh_config(config, config.nodes, &ssh_notes); !error.empty()) {
    std::cerr << error << "\n";
    return kExitUsage;
  }
  for (const std::string& note : ssh_notes) std::cout << note << "\n";
  for (const NodeConfig& node : config.nodes) {
    for (const std::string& line : describe_ssh_config_origin(node)) std::cout << line << "\n";
  }

  std::vector<NodeCheck> checks;
  for (const NodeConfig& node : config.nodes) {
    NodeCheck c;
    c.node = node;
    c.local = is_local_node(node);
    if (c.local) {
      c.spec.name = node.name;
      c.spec.host = "local";
    } else {
      c.spec = ssh_spec(config, node, project_dir, 1);
      c.facts["root"] = remote_root_of(config, node);
    }
    checks.push_back(std::move(c));
  }
  // One transport per node, made here and then used only by its node's thread.
  std::vector<std::unique_ptr<RealTransport>> transports;
  for (std::size_t i = 0; i < checks.size(); ++i) {
    transports.push_back(std::make_unique<RealTransport>(project_dir));
  }
  {
    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < checks.size(); ++i) {
      threads.emplace_back([&, i] { check_node(*transports[i], checks[i], framework, project_dir); });
    }
    for (std::thread& t : threads) t.join();
  }
  // Each transport read the same known_hosts: its bad lines are shown once.
  std::vector<std::string> warnings;
  for (const auto& transport : transports) {
    for (const std::string& w : transport->warnings()) {
      if (std::find(warnings.begin(), warnings.end(), w) == warnings.end()) warnings.push_back(w);
    }
  }
  transports.clear();  // closes the connections

  std::vector<std::vector<std::string>> rows;
  rows.push_back(table_header());
  std::vector<std::string> fixes;
  bool all_usable = true;
  for (const NodeCheck& c : checks) {
    rows.push_back(table_row(c));
    bool usable = add_fixes(c, framework, project_dir, fixes);
    if (!usable) all_usable = false;
  }
  for (const std::string& w : warnings) std::cout << "warning: " << w << "\n";
  print_table(rows);
  std::cout << "(connect ms: TCP + SSH handshake + auth; rtt ms: from starting the check script "
               "to its first output line, i.e. channel open + exec + one round trip)\n";
  for (const NodeCheck& c : checks) {
    if (std::optional<CpuCount> cpu = cpu_of(c)) {
      std::cout << "cpus " << c.spec.name << ": " << describe_cpu_count(*cpu) << " (runners auto "
                << usable_cpus(*cpu) << ", idle " << idle_cpus(*cpu) << ")\n";
    }
  }
  for (const std::string& f : fixes) std::cout << f << "\n";
  if (all_usable) {
    std::cout << "every node is usable\n";
    return kExitPassed;
  }
  std::cout << "some nodes are not usable\n";
  return kExitFailed;
}

}  // namespace dt

// What `distributest doctor` makes of one node's check: its row of the table, and the fixes.
#include "cli/doctor_findings.h"

#include <iomanip>
#include <sstream>

namespace dt {

namespace {

constexpr long long kLowDiskKb = 1024LL * 1024;  // 1 GB

// "usable CPUs" for the table: what runners = "auto" would start there.
std::string cores_text(const NodeCheck& c) {
  std::optional<CpuCount> cpu = cpu_of(c);
  return cpu ? std::to_string(usable_cpus(*cpu)) : "?";
}

bool contains(const std::string& s, const std::string& what) {
  return s.find(what) != std::string::npos;
}

bool host_key_unknown(const NodeCheck& c) { return contains(c.connect_error, "unknown host key"); }
bool host_key_changed(const NodeCheck& c) { return contains(c.connect_error, "HOST KEY CHANGED"); }
bool host_key_revoked(const NodeCheck& c) { return contains(c.connect_error, "REVOKED HOST KEY"); }
// accept-new met an unknown key but could not write it down.
bool host_key_unrecorded(const NodeCheck& c) {
  return contains(c.connect_error, "cannot record the host key");
}
// Nothing was tried: the known_hosts file itself could not be read.
bool known_hosts_unreadable(const NodeCheck& c) {
  return contains(c.connect_error, "cannot read known_hosts file");
}
bool auth_failed(const NodeCheck& c) { return contains(c.connect_error, "authentication"); }
// The host answered SSH: the connection failed (if at all) only at the host key or auth.
bool answered(const NodeCheck& c) {
  return c.local || c.connect_error.empty() || host_key_unknown(c) || host_key_changed(c) ||
         host_key_revoked(c) || host_key_unrecorded(c) || auth_failed(c);
}

std::string disk_text(const std::string& kb_text) {
  if (kb_text.empty() || kb_text == "unknown") return "?";
  long long kb = 0;
  try {
    kb = std::stoll(kb_text);
  } catch (...) {
    return "?";
  }
  std::ostringstream s;
  if (kb < 1024LL * 1024) {
    s << kb / 1024 << " MB";
  } else {
    s << std::fixed << std::setprecision(1) << static_cast<double>(kb) / (1024.0 * 1024) << " GB";
  }
  return s.str();
}

bool low_disk(const NodeCheck& c) {
  std::string kb = fact(c, "disk_kb");
  if (kb.empty() || kb == "unknown") return false;
  try {
    return std::stoll(kb) < kLowDiskKb;
  } catch (...) {
    return false;
  }
}

std::string ms_text(double ms) {
  if (ms < 0) return "-";
  std::ostringstream s;
  s << std::fixed << std::setprecision(ms < 10 ? 1 : 0) << ms;
  return s.str();
}

std::string install_hint(const std::string& what) {
  if (what == "rspec") return "gem install rspec (or bundle install in node_setup)";
  if (what == "pytest") return "python3 -m pip install pytest (or a venv in node_setup)";
  if (what == "python3") return "apt-get install python3";
  if (what == "ruby") return "apt-get install ruby";
  return "install " + what;
}

}  // namespace

std::string fact(const NodeCheck& c, const std::string& key) {
  auto it = c.facts.find(key);
  return it == c.facts.end() ? "" : it->second;
}

std::optional<CpuCount> cpu_of(const NodeCheck& c) { return parse_cpu_count(fact(c, "cpu")); }

std::vector<std::string> table_header() {
  return {"NODE", "HOST", "REACHABLE", "HOST KEY", "AUTH", "RSYNC", "INTERPRETER", "CORES",
          "FREE DISK", "CONNECT MS", "RTT MS"};
}

std::vector<std::string> table_row(const NodeCheck& c) {
  std::string name = c.spec.name;
  std::string host = c.local ? "local" : c.spec.host + (c.spec.port == 22 ? "" : ":" + std::to_string(c.spec.port));
  for (std::size_t j = 0; j < c.node.jumps.size(); ++j) {
    host += (j == 0 ? " via " : ",") + c.node.jumps[j].host;
  }
  if (!c.node.proxy_command.empty()) host += " via ProxyCommand";
  bool connected = c.local || c.connect_error.empty();
  std::string reachable = answered(c) ? "yes" : known_hosts_unreadable(c) ? "?" : "no";
  std::string key = c.local ? "-"
                    : host_key_changed(c) ? "changed"
                    : host_key_revoked(c) ? "revoked"
                    : host_key_unknown(c) || host_key_unrecorded(c) ? "unknown"
                    : known_hosts_unreadable(c) ? "unreadable"
                    : connected || auth_failed(c) ? "known"
                                                  : "?";
  std::string auth = c.local ? "-"
                     : auth_failed(c) ? "failed"
                     : connected ? (c.auth_method.empty() ? "ok" : c.auth_method)
                                 : "?";
  auto shown = [&](const std::string& key_name) {
    std::string v = fact(c, key_name);
    return v.empty() ? std::string("?") : v;
  };
  return {name, host, reachable, key, auth, c.ran ? shown("rsync") : "?",
          c.ran ? shown("interp") : "?", c.ran ? cores_text(c) : "?",
          c.ran ? disk_text(fact(c, "disk_kb")) : "?", ms_text(c.connect_ms), ms_text(c.rtt_ms)};
}

bool add_fixes(const NodeCheck& c, const std::string& framework, const std::string& project_dir,
               std::vector<std::string>& fixes) {
  bool usable = true;
  const std::string& name = c.spec.name;
  bool connected = c.local || c.connect_error.empty();
  std::string who = "fix " + name + ": ";
  std::string user_at = (c.spec.user.empty() ? "" : c.spec.user + "@") + c.spec.host;
  if (!answered(c) && !known_hosts_unreadable(c)) {
    usable = false;
    fixes.push_back(who + "unreachable (" + c.connect_error + "): check the host and port (" +
                    c.spec.host + ":" + std::to_string(c.spec.port) +
                    "), that sshd runs there, and any firewall in between");
  } else if (host_key_unknown(c)) {
    usable = false;
    fixes.push_back(who + c.connect_error);
    if (!contains(c.connect_error, "accept-new")) {
      fixes.push_back(who + "or set host_key_policy = \"accept-new\" in [ssh]");
    }
  } else if (host_key_changed(c)) {
    usable = false;
    fixes.push_back(who + c.connect_error);
    if (!contains(c.connect_error, "ssh-keygen -R")) {
      fixes.push_back(who + "if the change is expected: ssh-keygen -R " + c.spec.host);
    }
  } else if (auth_failed(c)) {
    usable = false;
    fixes.push_back(who + c.connect_error);
    fixes.push_back(who + "use an ed25519 key: ssh-keygen -t ed25519, then ssh-copy-id -i " +
                    (c.spec.identity.empty() ? std::string("~/.ssh/id_ed25519") : c.spec.identity) +
                    " -p " + std::to_string(c.spec.port) + " " + user_at +
                    ", and name it with identity = \"...\" in the [[node]]");
  } else if (!c.connect_error.empty()) {
    usable = false;
    fixes.push_back(who + c.connect_error);
  }
  if (connected) {
    if (!c.ran) {
      usable = false;
      fixes.push_back(who + "the check script did not run" +
                      (c.run_error.empty() ? "" : ": " + c.run_error));
    } else {
      if (!c.run_error.empty()) fixes.push_back(who + c.run_error);
      if (fact(c, "rsync") == "missing" && !c.local) {
        usable = false;
        fixes.push_back(who + "rsync is missing: apt-get install rsync (on " + name + ")");
      }
      if (fact(c, "flock") == "missing" && !c.local) {
        usable = false;
        fixes.push_back(who + "flock is missing: apt-get install util-linux (on " + name + ")");
      }
      std::string missing = fact(c, "missing");
      if (!missing.empty() || fact(c, "interp").empty() || fact(c, "interp") == "missing") {
        usable = false;
        std::istringstream words(missing.empty() ? std::string("the interpreter") : missing);
        for (std::string w; words >> w;) {
          fixes.push_back(who + w + " is missing for " + framework + ": " + install_hint(w) +
                          " (on " + name + ")");
        }
      }
      if (low_disk(c)) {
        fixes.push_back(who + "only " + disk_text(fact(c, "disk_kb")) + " free under " +
                        (c.local ? project_dir : fact(c, "root")) +
                        ": free some space or set remote_root to a bigger disk");
      }
    }
  }
  return usable;
}

}  // namespace dt

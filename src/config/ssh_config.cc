#include "config/ssh_config.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <charconv>
#include <sstream>
#include <thread>

#include "util/environment.h"

namespace dt {

namespace {

// ssh -G takes ~10 ms of CPU; a few at once hide most of its start-up on a fleet.
constexpr std::size_t kParallelQueries = 8;
// A first jump host's own ProxyJump is followed, as ssh does; a loop in ssh_config stops here.
constexpr int kMaxJumpDepth = 8;

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

std::string first_line(const std::string& text) {
  std::string line = text.substr(0, text.find('\n'));
  return line.empty() ? "no message" : line;
}

// ssh's own names for the keys it tries when no IdentityFile is given (OpenSSH 9.x).
bool is_default_identity(const std::string& file) {
  for (const char* name :
       {"id_rsa", "id_dsa", "id_ecdsa", "id_ecdsa_sk", "id_ed25519", "id_ed25519_sk", "id_xmss"}) {
    if (file == std::string("~/.ssh/") + name) return true;
  }
  return false;
}

// ~ and the %-tokens IdentityFile allows that are known before connecting.
std::string expand_identity(const std::string& file, const std::string& host,
                            const std::string& user) {
  std::string home = ssh_home_directory();
  std::string out;
  for (std::size_t i = 0; i < file.size(); ++i) {
    if (i == 0 && file[0] == '~' && (file.size() == 1 || file[1] == '/')) {
      out += home;
    } else if (file[i] == '%' && i + 1 < file.size()) {
      char token = file[++i];
      if (token == 'd')
        out += home;
      else if (token == 'u')
        out += passwd_user_name();
      else if (token == 'h')
        out += host;
      else if (token == 'r')
        out += user;
      else if (token == '%')
        out += '%';
      else
        out += std::string("%") + token;  // left as is: the file will not exist
    } else {
      out += file[i];
    }
  }
  return out;
}

struct Target {
  std::string host;
  int port = 22;
  std::string user;
  bool port_given = false;
  bool user_given = false;
};

std::vector<std::string> ssh_g_argv(const Config& config, const Target& t) {
  std::vector<std::string> argv = {"ssh", "-G"};
  if (!config.ssh_config.value.empty()) argv.insert(argv.end(), {"-F", config.ssh_config.value});
  if (t.port_given) argv.insert(argv.end(), {"-p", std::to_string(t.port)});
  if (t.user_given) argv.insert(argv.end(), {"-l", t.user});
  argv.insert(argv.end(), {"--", t.host});
  return argv;
}

// What ssh_config supplies for `t`, given that ssh -G printed `out`. `port`/`user` are set
// when not given; `settings` gets the rest, and `supplied` what differs from ssh's defaults.
void apply_output(const Config& config, const SshGOutput& out, Target& t,
                  SshClientSettings& settings) {
  auto supply = [&](const std::string& key, const std::string& value) {
    settings.supplied.emplace_back(key, value);
  };
  if (!out.hostname.empty() && lower(out.hostname) != lower(t.host)) {
    settings.hostname = out.hostname;
    supply("hostname", out.hostname);
  }
  if (!t.port_given && out.port != t.port) {
    t.port = out.port;
    supply("port", std::to_string(out.port));
  }
  if (!t.user_given && !out.user.empty() && out.user != passwd_user_name()) {
    t.user = out.user;
    supply("user", out.user);
  }
  bool named = std::any_of(out.identity_files.begin(), out.identity_files.end(),
                           [](const std::string& f) { return !is_default_identity(f); });
  if (named) {
    for (const std::string& file : out.identity_files) {
      std::string user = t.user.empty() ? passwd_user_name() : t.user;
      std::string path = expand_identity(file, t.host, user);
      if (access(path.c_str(), R_OK) == 0) settings.identities.push_back(path);
    }
    std::string list;
    for (const std::string& f : settings.identities) list += (list.empty() ? "" : " ") + f;
    supply("identity_files", list.empty() ? "(none of them exists)" : list);
  }
  std::string home = ssh_home_directory();
  std::vector<std::string> default_known = {home + "/.ssh/known_hosts",
                                            home + "/.ssh/known_hosts2"};
  if (config.known_hosts.origin.file == "default" && !out.known_hosts_files.empty() &&
      out.known_hosts_files != default_known) {
    settings.known_hosts = out.known_hosts_files.front();
    supply("known_hosts", settings.known_hosts);
  }
  const std::string& strict = out.strict_host_key_checking;
  if (config.host_key_policy.origin.file == "default" &&
      (strict == "accept-new" || strict == "false")) {
    // "no" would also take a changed key; distributest never does.
    settings.host_key_policy = "accept-new";
    supply("host_key_policy", "accept-new (StrictHostKeyChecking " + strict + ")");
  }
}

std::string describe_source(const Config& config, const Target& t) {
  std::string source = "ssh -G " + t.host;
  if (!config.ssh_config.value.empty()) source += " -F " + config.ssh_config.value;
  return source;
}

// Asks ssh about `t`; "" or why ssh_config cannot be used. `missing_ssh` is set, and nothing
// else changes, when there is no ssh to ask.
std::string query(const Config& config, const CommandRunner& run, Target& t,
                  SshClientSettings& settings, SshGOutput& out, bool& missing_ssh) {
  CommandResult result = run(ssh_g_argv(config, t));
  if (!result.started) {
    missing_ssh = true;
    return "";
  }
  if (result.status != 0) return "ssh -G " + t.host + " failed: " + first_line(result.err);
  out = parse_ssh_g(result.out);
  settings.source = describe_source(config, t);
  apply_output(config, out, t, settings);
  return "";
}

struct Resolver {
  const Config& config;
  const CommandRunner& run;
  bool read_ssh_config;
  std::atomic<bool> missing_ssh = false;

  // Resolves node `n` in place; "" or a complete message.
  std::string node(NodeConfig& n) {
    std::string where = n.origin.describe() + ": node '" + n.name + "': ";
    Target t{n.host, n.port, n.user, n.keys_given.count("port") > 0,
             n.keys_given.count("user") > 0};
    SshGOutput out;
    if (read_ssh_config) {
      bool missing = false;
      std::string error = query(config, run, t, n.ssh, out, missing);
      if (!error.empty()) return where + error;
      if (missing) missing_ssh = true;
      n.port = t.port;
      n.user = t.user;
      if (n.keys_given.count("identity")) n.ssh.identities.clear();
    }
    // Either [[node]] key decides both: ssh -G prints at most one of the two anyway (the one
    // first in ssh_config), and config.cc refuses both keys in one table.
    bool own = n.keys_given.count("proxy_jump") || n.keys_given.count("proxy_command");
    std::string jump = own ? n.proxy_jump : out.proxy_jump;
    std::string command = own ? n.proxy_command : out.proxy_command;
    if (jump == "none") jump.clear();
    if (command == "none") command.clear();
    if (!own && !command.empty() && out.proxy_use_fdpass) {
      return where + n.ssh.source + " gives it ProxyCommand '" + command +
             "' with ProxyUseFdpass yes, which distributest does not do: set proxy_command (or "
             "proxy_command = \"none\") in its [[node]]";
    }
    if (!own && !jump.empty()) n.ssh.supplied.emplace_back("proxy_jump", jump);
    if (!own && !command.empty()) n.ssh.supplied.emplace_back("proxy_command", command);
    n.proxy_jump = jump;
    n.proxy_command = command;
    std::string error = jumps(jump, 0, n.jumps);
    return error.empty() ? "" : where + error;
  }

  // Appends the hops of the ProxyJump list `list` to `hops`, the first one's own first.
  std::string jumps(const std::string& list, int depth, std::vector<JumpHost>& hops) {
    if (list.empty()) return "";
    if (depth > kMaxJumpDepth) {
      return "ProxyJump goes more than " + std::to_string(kMaxJumpDepth) +
             " hosts deep (a loop in ssh_config?)";
    }
    std::stringstream items(list);
    std::string item;
    bool first = true;
    while (std::getline(items, item, ',')) {
      JumpHost hop;
      hop.port = 0;  // stays 0 when the item names no port
      if (auto why = parse_jump_host(item, hop)) return "proxy_jump '" + list + "': " + *why;
      bool port_given = hop.port != 0;
      if (!port_given) hop.port = 22;
      Target t{hop.host, hop.port, hop.user, port_given, !hop.user.empty()};
      SshGOutput out;
      if (read_ssh_config) {
        bool missing = false;
        std::string error = query(config, run, t, hop.ssh, out, missing);
        if (!error.empty()) return "jump host " + hop.host + ": " + error;
        if (missing) missing_ssh = true;
      }
      hop.port = t.port;
      hop.user = t.user;
      // ssh connects to the first hop with its own configuration, ProxyJump included, and
      // to the later ones through the earlier ones.
      if (first && out.proxy_jump != "none" && !out.proxy_jump.empty()) {
        if (std::string error = jumps(out.proxy_jump, depth + 1, hops); !error.empty()) {
          return error;
        }
      } else if (first && out.proxy_command != "none" && !out.proxy_command.empty()) {
        if (out.proxy_use_fdpass) {
          return "jump host " + hop.host + ": " + hop.ssh.source + " gives it ProxyCommand '" +
                 out.proxy_command + "' with ProxyUseFdpass yes, which distributest does not do";
        }
        hop.proxy_command = out.proxy_command;
        hop.ssh.supplied.emplace_back("proxy_command", out.proxy_command);
      }
      hops.push_back(std::move(hop));
      first = false;
    }
    return "";
  }
};

}  // namespace

SshGOutput parse_ssh_g(const std::string& output) {
  SshGOutput out;
  std::istringstream lines(output);
  std::string line;
  bool port_seen = false;
  // ssh -G prints each key once; should one come twice, the first counts, as in ssh_config.
  auto first = [](std::string& field, const std::string& value) {
    if (field.empty()) field = value;
  };
  while (std::getline(lines, line)) {
    std::size_t space = line.find(' ');
    if (space == std::string::npos) continue;
    std::string key = lower(line.substr(0, space));
    std::string value = line.substr(space + 1);
    if (key == "hostname")
      first(out.hostname, value);
    else if (key == "user")
      first(out.user, value);
    else if (key == "port" && !port_seen) {
      port_seen = true;
      std::from_chars(value.data(), value.data() + value.size(), out.port);
    } else if (key == "identityfile")
      out.identity_files.push_back(value);
    else if (key == "stricthostkeychecking")
      first(out.strict_host_key_checking, value);
    else if (key == "proxyjump")
      first(out.proxy_jump, value);
    else if (key == "proxycommand")
      first(out.proxy_command, value);
    else if (key == "proxyusefdpass")
      out.proxy_use_fdpass = lower(value) == "yes";
    else if (key == "userknownhostsfile" && out.known_hosts_files.empty()) {
      std::istringstream files(value);
      for (std::string f; files >> f;) out.known_hosts_files.push_back(f);
    }
  }
  return out;
}

std::optional<std::string> parse_jump_host(const std::string& text, JumpHost& hop) {
  std::string rest = text;
  if (rest.starts_with("ssh://")) rest = rest.substr(6);
  if (std::size_t at = rest.rfind('@'); at != std::string::npos) {
    hop.user = rest.substr(0, at);
    rest = rest.substr(at + 1);
    if (hop.user.empty()) return "no user before '@' in '" + text + "'";
  }
  std::string port;
  if (rest.starts_with("[")) {
    std::size_t close = rest.find(']');
    if (close == std::string::npos) return "no ']' after the address in '" + text + "'";
    hop.host = rest.substr(1, close - 1);
    std::string after = rest.substr(close + 1);
    if (!after.empty() && !after.starts_with(":")) return "junk after ']' in '" + text + "'";
    if (!after.empty()) port = after.substr(1);
  } else {
    std::size_t colon = rest.find(':');
    hop.host = rest.substr(0, colon);
    if (colon != std::string::npos) port = rest.substr(colon + 1);
  }
  if (hop.host.empty()) return "no host in '" + text + "'";
  if (hop.host.find_first_of(" \t'\"") != std::string::npos || hop.host.starts_with("-")) {
    return "'" + hop.host + "' is not a host name";
  }
  if (!port.empty() || text.ends_with(":")) {
    int value = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || end != port.data() + port.size() || value < 1 || value > 65535) {
      return "port '" + port + "' in '" + text + "' is not a number from 1 to 65535";
    }
    hop.port = value;
  }
  return std::nullopt;
}

SshConfigResolution apply_ssh_config(const Config& config, std::vector<NodeConfig>& nodes,
                                     const CommandRunner& run) {
  SshConfigResolution result;
  Resolver resolver{config, run, config.ssh_config.value != "none"};
  std::vector<std::size_t> remote;
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    if (nodes[i].host != kLocalHostName) remote.push_back(i);
  }
  std::vector<std::string> errors(nodes.size());
  std::atomic<std::size_t> next = 0;
  auto work = [&] {
    for (std::size_t k; (k = next++) < remote.size();) {
      errors[remote[k]] = resolver.node(nodes[remote[k]]);
    }
  };
  std::vector<std::thread> threads;
  for (std::size_t t = 1; t < std::min(kParallelQueries, remote.size()); ++t) {
    threads.emplace_back(work);
  }
  work();
  for (std::thread& t : threads) t.join();
  for (const std::string& error : errors) {
    if (!error.empty()) {
      result.error = error;
      break;
    }
  }
  if (!resolver.read_ssh_config) {
    result.notes.push_back("ssh_config not read ([ssh] config = \"none\")");
  } else if (resolver.missing_ssh) {
    result.notes.push_back(
        "ssh_config not read: no ssh command here (apt-get install openssh-client)");
  }
  return result;
}

std::vector<std::string> describe_ssh_config_origin(const NodeConfig& node) {
  std::vector<std::string> lines;
  auto describe = [&](const std::string& who, const SshClientSettings& ssh) {
    if (ssh.supplied.empty()) return;
    std::string line = who + ": from ssh_config (" + ssh.source + "):";
    const char* separator = " ";
    for (const auto& [key, value] : ssh.supplied) {
      line += separator + key + " " + value;
      separator = ", ";
    }
    lines.push_back(line);
  };
  describe(node.name, node.ssh);
  for (const JumpHost& hop : node.jumps) describe(node.name + ", jump host " + hop.host, hop.ssh);
  return lines;
}

}  // namespace dt

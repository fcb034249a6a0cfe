// GNU parallel's sshlogin grammar (parallel(1), --sshlogin and --sshloginfile), as far as a
// run over libssh2 can honour it: a port and a user, but no other ssh program or its options.
#include "config/sshlogin.h"

#include <cerrno>
#include <cstring>
#include <map>
#include <sstream>

#include "config/config_internal.h"

namespace dt {

namespace {

using Why = std::optional<std::string>;

std::string_view trim(std::string_view s) {
  const char* space = " \t\r\n";
  std::size_t begin = s.find_first_not_of(space);
  if (begin == std::string_view::npos) return {};
  return s.substr(begin, s.find_last_not_of(space) - begin + 1);
}

bool all_digits(std::string_view s) {
  return !s.empty() && s.find_first_not_of("0123456789") == std::string_view::npos;
}

// A whole number in [1, max]; digits only, so "+3" or "3x" never pass for 3.
std::optional<int> small_number(std::string_view s, int max) {
  if (!all_digits(s) || s.size() > 6) return std::nullopt;
  int n = std::stoi(std::string(s));
  if (n < 1 || n > max) return std::nullopt;
  return n;
}

Why read_port(std::string_view text, NodeConfig& node) {
  std::optional<int> port = small_number(text, 65535);
  if (!port) return "port '" + std::string(text) + "' is not a number from 1 to 65535";
  node.port = *port;
  node.keys_given.insert("port");
  return std::nullopt;
}

// host, host:port, [v6]:port; a bare IPv6 address (two colons or more) is all host.
Why read_host_port(std::string_view text, NodeConfig& node) {
  std::string_view host = text;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    std::size_t close = text.find(']');
    if (close == std::string_view::npos) return std::string("'[' without ']'");
    host = text.substr(1, close - 1);
    std::string_view after = text.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return "unexpected '" + std::string(after) + "' after ']'";
      port = after.substr(1);
    }
  } else if (std::size_t colon = text.find(':');
             colon != std::string_view::npos && text.find(':', colon + 1) == std::string_view::npos) {
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (port.empty()) return std::string("':' with no port after it");
  }
  if (host.empty()) return std::string("no host");
  if (host.find_first_of("/@ \t") != std::string_view::npos) {
    return "'" + std::string(host) + "' is not a host name";
  }
  node.host = std::string(host);
  return port.empty() ? std::nullopt : read_port(port, node);
}

// [user@]host[:port]. parallel's user:password@ is refused: a password never goes in a file.
Why read_login(std::string_view text, NodeConfig& node) {
  std::size_t at = text.rfind('@');
  if (at != std::string_view::npos) {
    std::string_view user = text.substr(0, at);
    if (user.find(':') != std::string_view::npos) {
      return std::string("passwords are not supported; use a key file or ssh-agent");
    }
    if (user.empty()) return std::string("'@' with no user before it");
    node.user = std::string(user);
    node.keys_given.insert("user");
    text = text.substr(at + 1);
  }
  return read_host_port(text, node);
}

// `ssh [-p PORT] [-l USER] [user@]host`: the one ssh command whose meaning a node can carry.
Why read_ssh_command(std::string_view text, NodeConfig& node) {
  std::istringstream words{std::string(text)};
  std::string word;
  words >> word;
  if (word != "ssh") {
    return "another ssh program ('" + word + "') is not supported; write " +
           "'ssh [-p PORT] [-l USER] [user@]host' or 'user@host:port'";
  }
  std::string login, port, user;
  while (words >> word) {
    if (word == "-p" || word == "-l") {
      std::string value;
      if (!(words >> value)) return "ssh option " + word + " has no value";
      (word == "-p" ? port : user) = value;
    } else if (word.front() == '-') {
      return "ssh option '" + word + "' is not supported (only -p and -l)";
    } else if (!login.empty()) {
      return "ssh takes one host, not '" + login + "' and '" + word + "'";
    } else {
      login = word;
    }
  }
  if (login.empty()) return std::string("ssh command without a host");
  if (Why why = read_login(login, node)) return why;
  if (!user.empty()) {
    node.user = user;
    node.keys_given.insert("user");
  }
  return port.empty() ? std::nullopt : read_port(port, node);
}

}  // namespace

std::optional<std::string> parse_sshlogin(std::string_view entry, NodeConfig& node) {
  std::string_view text = trim(entry);
  if (text.empty()) return std::string("empty entry");
  if (text.front() == '@') return std::string("host groups (@group) are not supported");
  if (std::size_t slash = text.find('/'); slash != std::string_view::npos && slash > 0 &&
                                          all_digits(text.substr(0, slash))) {
    std::optional<int> runners = small_number(text.substr(0, slash), 100000);
    if (!runners) return std::string("N/ needs a number of runners from 1 to 100000");
    node.runners = *runners;
    node.runners_fixed = true;
    text = trim(text.substr(slash + 1));
  }
  if (text == ":") {
    node.host = node.name = kLocalHostName;
    set_priority_defaults(node);
    return std::nullopt;
  }
  if (text == ".." || text == "-") {
    return std::string("reading sshlogins from ~/.parallel or stdin is not supported; use "
                       "--sshloginfile FILE");
  }
  Why why = text.find_first_of(" \t") != std::string_view::npos ? read_ssh_command(text, node)
                                                                 : read_login(text, node);
  if (why) return why;
  node.name = node.host;
  set_priority_defaults(node);
  return std::nullopt;
}

std::optional<std::string> parse_sshlogin_list(std::string_view list, const std::string& where,
                                               std::vector<NodeConfig>& nodes) {
  for (std::size_t start = 0; start <= list.size();) {
    std::size_t comma = std::min(list.find(',', start), list.size());
    std::string_view entry = list.substr(start, comma - start);
    start = comma + 1;
    if (trim(entry).empty()) continue;  // "a,,b" or a trailing comma: nothing meant there
    NodeConfig node;
    node.origin = {where + " '" + std::string(trim(entry)) + "'", 0};
    if (Why why = parse_sshlogin(entry, node)) {
      return where + ": '" + std::string(trim(entry)) + "': " + *why;
    }
    nodes.push_back(std::move(node));
  }
  return std::nullopt;
}

std::optional<std::string> parse_sshlogin_text(std::string_view text, const std::string& path,
                                               std::vector<NodeConfig>& nodes) {
  std::istringstream lines{std::string(text)};
  std::string line;
  for (int number = 1; std::getline(lines, line); ++number) {
    std::string_view entry = trim(line);
    if (entry.empty() || entry.front() == '#') continue;
    NodeConfig node;
    node.origin = {path, number};
    if (Why why = parse_sshlogin(entry, node)) {
      return node.origin.describe() + ": '" + std::string(entry) + "': " + *why;
    }
    nodes.push_back(std::move(node));
  }
  return std::nullopt;
}

std::optional<std::string> read_sshlogin_file(const std::string& path,
                                              std::vector<NodeConfig>& nodes) {
  std::string text;
  if (int error = config_detail::read_whole_file(path, text)) {
    return path + ": cannot read nodes file: " + std::strerror(error);
  }
  return parse_sshlogin_text(text, path, nodes);
}

namespace {

std::string long_name(const NodeConfig& node) {
  std::string name = node.user.empty() ? node.host : node.user + "@" + node.host;
  return node.port == 22 ? name : name + ":" + std::to_string(node.port);
}

}  // namespace

std::optional<std::string> merge_nodes(std::vector<NodeConfig>& nodes,
                                       std::vector<NodeConfig> extra) {
  std::map<std::string, int> uses;
  for (const NodeConfig& node : extra) ++uses[node.name];
  for (NodeConfig& node : extra) {
    if (uses[node.name] > 1 && node.host != kLocalHostName) node.name = long_name(node);
    for (const NodeConfig& earlier : nodes) {
      if (earlier.name == node.name) {
        return node.origin.describe() + ": duplicate node '" + node.name + "' (also at " +
               earlier.origin.describe() + ")";
      }
    }
    nodes.push_back(std::move(node));
  }
  return std::nullopt;
}

}  // namespace dt

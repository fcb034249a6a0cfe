// Spelling config values as TOML, and the `distributest config` listing built from that.
#include "config/config.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

#include "config/config_internal.h"

namespace dt {

std::string Origin::describe() const { return line > 0 ? file + ":" + std::to_string(line) : file; }

namespace config_detail {

namespace {

// TOML's short escapes; other control characters need \uXXXX.
std::optional<std::string_view> short_escape(char c) {
  switch (c) {
    case '"': return "\\\"";
    case '\\': return "\\\\";
    case '\b': return "\\b";
    case '\t': return "\\t";
    case '\n': return "\\n";
    case '\f': return "\\f";
    case '\r': return "\\r";
    default: return std::nullopt;
  }
}

bool is_control(char c) {
  auto byte = static_cast<unsigned char>(c);
  return byte < 0x20 || byte == 0x7F;
}

bool is_bare_key_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}

}  // namespace

std::string quote(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (auto escape = short_escape(c)) {
      out += *escape;
    } else if (is_control(c)) {
      char buffer[8];
      std::snprintf(buffer, sizeof buffer, "\\u%04X", static_cast<unsigned char>(c));
      out += buffer;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string quote_key(std::string_view key) {
  bool bare = !key.empty() && std::all_of(key.begin(), key.end(), is_bare_key_char);
  return bare ? std::string(key) : quote(key);
}

std::string format_number(double value) {
  // Whole seconds read better as "30" than "30.0", and TOML accepts an integer there.
  if (std::isfinite(value) && value == std::trunc(value) && std::fabs(value) < 1e15) {
    return std::to_string(static_cast<long long>(value));
  }
  char buffer[64];
  auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, result.ptr);
}

std::string format_list(const std::vector<std::string>& items) {
  std::string out = "[";
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += ", ";
    out += quote(items[i]);
  }
  return out + "]";
}

std::string format_env(const std::map<std::string, std::string>& env) {
  std::string out = "{";
  for (const auto& [name, value] : env) {
    if (out.size() > 1) out += ", ";
    out += quote_key(name) + " = " + quote(value);
  }
  return out + "}";
}

std::string format_runners(int runners) {
  if (runners == kRunnersAuto) return "\"auto\"";
  if (runners == kRunnersIdle) return "\"idle\"";
  return std::to_string(runners);
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  // One row of the Levenshtein table at a time: row[j] is the distance a[0,i) -> b[0,j).
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t above = row[j];
      std::size_t substitute = diagonal + (a[i - 1] == b[j - 1] ? 0 : 1);
      row[j] = std::min({above + 1, row[j - 1] + 1, substitute});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::optional<std::string_view> closest_match(std::string_view word,
                                              const std::vector<std::string_view>& candidates) {
  std::size_t threshold = std::max<std::size_t>(2, word.size() / 3);
  std::optional<std::string_view> best;
  std::size_t best_distance = threshold + 1;
  for (std::string_view candidate : candidates) {
    std::size_t distance = edit_distance(word, candidate);
    if (distance < best_distance) {
      best = candidate;
      best_distance = distance;
    }
  }
  return best;
}

}  // namespace config_detail

namespace {

using config_detail::format_list;
using config_detail::quote;

std::string line(std::string_view key, const std::string& value, const Origin& origin) {
  return std::string(key) + " = " + value + "  # " + origin.describe();
}

std::string line(std::string_view key, const Setting<std::string>& setting) {
  return line(key, quote(setting.value), setting.origin);
}

std::string line(std::string_view key, const Setting<std::vector<std::string>>& setting) {
  return line(key, format_list(setting.value), setting.origin);
}

std::string line(std::string_view key, const Setting<int>& setting) {
  return line(key, std::to_string(setting.value), setting.origin);
}

// The fields a node sets beyond the defaults, and always its runners and priorities (whose
// defaults depend on the host), so each node stays one readable line.
std::string format_node(const NodeConfig& node) {
  using config_detail::format_env;
  using config_detail::format_runners;
  std::string out = "{";
  if (node.name != node.host) out += "name = " + quote(node.name) + ", ";
  out += "host = " + quote(node.host) + ", port = " + std::to_string(node.port);
  if (!node.user.empty()) out += ", user = " + quote(node.user);
  if (!node.identity.empty()) out += ", identity = " + quote(node.identity);
  out += ", runners = " + format_runners(node.runners);
  out += ", nice = " + std::to_string(node.nice) + ", ionice = " + quote(node.ionice);
  if (!node.remote_root.empty()) out += ", remote_root = " + quote(node.remote_root);
  if (!node.env.empty()) out += ", env = " + format_env(node.env);
  if (!node.proxy_jump.empty()) out += ", proxy_jump = " + quote(node.proxy_jump);
  if (!node.proxy_command.empty()) out += ", proxy_command = " + quote(node.proxy_command);
  return out + "}";
}

// What ssh_config supplied, as one inline table.
std::string format_supplied(const SshClientSettings& ssh) {
  std::string out;
  for (const auto& [key, value] : ssh.supplied) {
    out += (out.empty() ? "{" : ", ") + key + " = " + quote(value);
  }
  return out + "}";
}

}  // namespace

std::vector<std::string> describe_config(const Config& config) {
  using config_detail::format_env;
  using config_detail::format_number;
  using config_detail::format_runners;
  std::vector<std::string> lines = {
      line("framework", config.framework),
      line("command", config.command),
      line("runners", format_runners(config.runners.value), config.runners.origin),
      line("files", config.files),
      line("exclude", config.exclude),
      line("args", config.args),
      line("session_per_file", config.session_per_file),
      line("split", config.split),
      line("timeout", format_number(config.timeout.value), config.timeout.origin),
      line("teardown_timeout", format_number(config.teardown_timeout.value),
           config.teardown_timeout.origin),
      line("fail_fast", config.fail_fast),
      line("max_attempts", config.max_attempts),
      line("retry", config.retry),
      line("flaky", config.flaky),
      line("timings_file", config.timings_file),
      line("log_dir", config.log_dir),
      line("color", config.color),
      line("hooks.node_setup", config.node_setup),
      line("hooks.runner_setup", config.runner_setup),
      line("hooks.timeout", format_number(config.hook_timeout.value), config.hook_timeout.origin),
      line("env", format_env(config.env.value), config.env.origin),
      line("ssh.known_hosts", config.known_hosts),
      line("ssh.host_key_policy", config.host_key_policy),
      line("ssh.remote_root", config.remote_root),
      line("ssh.config", config.ssh_config),
      line("sync.exclude", config.sync_exclude),
      line("artifacts.paths", config.artifacts),
      line("nodes_file", config.nodes_file),
  };
  for (std::size_t i = 0; i < config.nodes.size(); ++i) {
    const NodeConfig& node = config.nodes[i];
    std::string key = "node[" + std::to_string(i + 1) + "]";
    lines.push_back(line(key, format_node(node), node.origin));
    if (!node.ssh.supplied.empty()) {
      lines.push_back(
          line(key + ".ssh_config", format_supplied(node.ssh), Origin{node.ssh.source, 0}));
    }
    for (std::size_t j = 0; j < node.jumps.size(); ++j) {
      const JumpHost& hop = node.jumps[j];
      std::string hop_key = key + ".jump[" + std::to_string(j + 1) + "]";
      std::string text = "{host = " + quote(hop.host) + ", port = " + std::to_string(hop.port);
      if (!hop.user.empty()) text += ", user = " + quote(hop.user);
      if (!hop.proxy_command.empty()) text += ", proxy_command = " + quote(hop.proxy_command);
      lines.push_back(line(hop_key, text + "}", node.origin));
      if (!hop.ssh.supplied.empty()) {
        lines.push_back(
            line(hop_key + ".ssh_config", format_supplied(hop.ssh), Origin{hop.ssh.source, 0}));
      }
    }
  }
  return lines;
}

}  // namespace dt

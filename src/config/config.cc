// Reading one TOML layer over a Config: the keys valid in each table, [[node]] entries, and the
// file itself. Every value is checked against the key it sits under (config_values.h), so a
// mistake is reported as "path:line: what is wrong", never turned into a silent default.
#include "config/config.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <span>
#include <string_view>

#include <toml++/toml.h>

#include "config/config_internal.h"
#include "config/config_values.h"
#include "config/sshlogin.h"
#include "util/environment.h"

namespace dt {

void set_priority_defaults(NodeConfig& node) {
  // Remote machines are often someone's workstation; this box is the user's own.
  bool here = node.host == kLocalHostName;
  if (node.nice < 0) node.nice = here ? 0 : 10;
  if (node.ionice.empty()) node.ionice = here ? "none" : "idle";
}

namespace {

namespace fs = std::filesystem;
using namespace config_detail;  // Layer, Item, Error, invalid and the value readers

// ---- Tables: the keys valid at each level, applied to a Config or to one node.

template <typename Target>
struct Key {
  std::string_view name;
  Error (*apply)(const Layer&, const Item&, Target&);
};

template <typename Target>
ConfigError unknown_key(const Layer& layer, const Item& item, std::string_view key,
                        std::span<const Key<Target>> keys) {
  const auto* array = item.value.as_array();
  bool table = item.value.is_table() || (array && array->is_array_of_tables());
  std::string message = (table ? "unknown table '" : "unknown key '") + item.name + "'";
  std::vector<std::string_view> names;
  for (const Key<Target>& known : keys) names.push_back(known.name);
  if (auto match = config_detail::closest_match(key, names)) {
    message += " (did you mean '" + std::string(*match) + "'?)";
  }
  return layer.error(item.where, message);
}

template <typename Target>
Error apply_table(const Layer& layer, const toml::table& table, const std::string& prefix,
                  std::span<const Key<Target>> keys, Target& target) {
  for (const auto& [key, value] : entries_in_file_order(table)) {
    std::string_view name = key->str();  // clang 14 cannot capture a structured binding
    Item item{prefix + std::string(name), *value, key->source()};
    auto known = std::find_if(keys.begin(), keys.end(),
                              [&](const Key<Target>& k) { return k.name == name; });
    if (known == keys.end()) return unknown_key(layer, item, name, keys);
    if (auto error = known->apply(layer, item, target)) return error;
  }
  return std::nullopt;
}

// Key handlers. A Config setting remembers where its value came from; a node's fields share
// the node's origin, its [[node]] line.
template <auto Member, auto Read>
Error setting(const Layer& layer, const Item& item, Config& config) {
  auto& target = config.*Member;
  decltype(target.value) value{};
  if (auto error = Read(layer, item, value)) return error;
  target = {std::move(value), layer.at(item.where)};
  return std::nullopt;
}

template <auto Member, auto Read>
Error field(const Layer& layer, const Item& item, NodeConfig& node) {
  node.keys_given.insert(item.name.substr(item.name.rfind('.') + 1));
  return Read(layer, item, node.*Member);
}

template <const auto& Keys>
Error section(const Layer& layer, const Item& item, Config& config) {
  const auto* table = item.value.as_table();
  if (!table) return invalid(layer, item, "a table", {});
  return apply_table<Config>(layer, *table, item.name + ".", Keys, config);
}

const Key<Config> kHookKeys[] = {
    {"node_setup", setting<&Config::node_setup, read_string>},
    {"runner_setup", setting<&Config::runner_setup, read_string>},
    {"timeout", setting<&Config::hook_timeout, read_seconds>},
};

const Key<Config> kSshKeys[] = {
    {"known_hosts", setting<&Config::known_hosts, read_string>},
    {"host_key_policy", setting<&Config::host_key_policy, read_host_key_policy>},
    {"remote_root", setting<&Config::remote_root, read_string>},
    {"config", setting<&Config::ssh_config, read_string>},
};

const Key<Config> kSyncKeys[] = {
    {"exclude", setting<&Config::sync_exclude, read_string_list>},
};

const Key<Config> kArtifactKeys[] = {
    {"paths", setting<&Config::artifacts, read_project_globs>},
};

Error reject_password(const Layer& layer, const Item& item, NodeConfig&) {
  return layer.error(item.where, "'" + item.name +
                                     "': passwords are not supported; use a key file "
                                     "('identity') or ssh-agent");
}

const Key<NodeConfig> kNodeKeys[] = {
    {"name", field<&NodeConfig::name, read_non_empty_string>},
    {"host", field<&NodeConfig::host, read_non_empty_string>},
    {"port", field<&NodeConfig::port, read_port>},
    {"user", field<&NodeConfig::user, read_string>},
    {"identity", field<&NodeConfig::identity, read_string>},
    {"runners", field<&NodeConfig::runners, read_runners>},
    {"remote_root", field<&NodeConfig::remote_root, read_string>},
    {"nice", field<&NodeConfig::nice, read_nice>},
    {"ionice", field<&NodeConfig::ionice, read_ionice>},
    {"env", field<&NodeConfig::env, read_env>},
    {"proxy_jump", field<&NodeConfig::proxy_jump, read_non_empty_string>},
    {"proxy_command", field<&NodeConfig::proxy_command, read_non_empty_string>},
    {"password", reject_password},
};

Error read_node(const Layer& layer, const toml::node& element, std::size_t index,
                NodeConfig& node) {
  std::string name = "node[" + std::to_string(index) + "]";
  Item item{name, element, element.source()};
  const auto* table = element.as_table();
  if (!table) return invalid(layer, item, "a table", {});
  node.origin = layer.at(element.source());
  if (auto error = apply_table<NodeConfig>(layer, *table, name + ".", kNodeKeys, node)) {
    return error;
  }
  if (node.host.empty()) return layer.error(item.where, name + " has no 'host'");
  if (node.keys_given.count("proxy_jump") && node.keys_given.count("proxy_command")) {
    // ssh_config takes whichever comes first; a TOML table has no order to go by.
    return layer.error(table->get("proxy_command")->source(),
                       "'" + name + "' has both 'proxy_jump' and 'proxy_command'; give one");
  }
  if (node.name.empty()) node.name = node.host;
  set_priority_defaults(node);
  if (node.name == kLocalHostName && node.host != kLocalHostName) {
    // "local" is what this box is called wherever a process is placed: a remote host under
    // that name would have its processes, the sync's marker check among them, run here.
    return layer.error(table->get("name")->source(),
                       "'" + name + ".name' is \"local\", the name of this machine, but the " +
                           "node's host is " + quote(node.host) +
                           "; give it another name (host = \"local\" is how to run here)");
  }
  return std::nullopt;
}

Error check_unique(const std::vector<NodeConfig>& nodes, const NodeConfig& node) {
  for (const NodeConfig& earlier : nodes) {
    if (earlier.name == node.name) {
      return ConfigError{node.origin.describe() + ": duplicate node '" + node.name +
                         "' (first at " + earlier.origin.describe() + ")"};
    }
  }
  return std::nullopt;
}

Error apply_nodes(const Layer& layer, const Item& item, Config& config) {
  const auto* array = item.value.as_array();
  if (!array) return invalid(layer, item, "an array of tables ([[node]])", {});
  std::vector<NodeConfig> nodes;
  for (std::size_t i = 0; i < array->size(); ++i) {
    NodeConfig node;
    if (auto error = read_node(layer, *array->get(i), i + 1, node)) return error;
    if (auto error = check_unique(nodes, node)) return error;
    nodes.push_back(std::move(node));
  }
  // A layer's nodes describe a whole cluster: merging two files' lists would run on machines
  // that neither file meant to use together.
  config.nodes = std::move(nodes);
  return std::nullopt;
}

Error apply_env(const Layer& layer, const Item& item, Config& config) {
  if (auto error = read_env(layer, item, config.env.value)) return error;
  config.env.origin = layer.at(item.where);
  return std::nullopt;
}

const Key<Config> kTopKeys[] = {
    {"framework", setting<&Config::framework, read_framework>},
    {"command", setting<&Config::command, read_command>},
    {"runners", setting<&Config::runners, read_runners>},
    {"files", setting<&Config::files, read_string_list>},
    {"exclude", setting<&Config::exclude, read_string_list>},
    {"args", setting<&Config::args, read_string_list>},
    {"session_per_file", setting<&Config::session_per_file, read_string_list>},
    {"split", setting<&Config::split, read_split>},
    {"timeout", setting<&Config::timeout, read_seconds>},
    {"teardown_timeout", setting<&Config::teardown_timeout, read_seconds>},
    {"fail_fast", setting<&Config::fail_fast, read_non_negative>},
    {"max_attempts", setting<&Config::max_attempts, read_max_attempts>},
    {"retry", setting<&Config::retry, read_non_negative>},
    {"flaky", setting<&Config::flaky, read_flaky>},
    {"timings_file", setting<&Config::timings_file, read_string>},
    {"log_dir", setting<&Config::log_dir, read_string>},
    {"color", setting<&Config::color, read_color>},
    {"hooks", section<kHookKeys>},
    {"env", apply_env},
    {"ssh", section<kSshKeys>},
    {"sync", section<kSyncKeys>},
    {"artifacts", section<kArtifactKeys>},
    {"node", apply_nodes},
    {"nodes_file", setting<&Config::nodes_file, read_string>},
};

// nodes_file's entries, after the layer's [[node]] tables. A relative path is the config
// file's neighbour, so a project's config finds its list wherever distributest runs from;
// "~/" is the user's home, where GNU parallel keeps ~/.parallel/sshloginfile.
Error add_nodes_file(const std::string& layer_path, Config& config) {
  const Setting<std::string>& setting = config.nodes_file;
  if (setting.value.empty()) return std::nullopt;
  fs::path path = setting.value;
  if (setting.value.starts_with("~/")) {
    path = fs::path(home_directory()) / setting.value.substr(2);
  } else if (path.is_relative()) {
    path = fs::path(layer_path).parent_path() / path;
  }
  std::string file = path.lexically_normal().string();
  std::string text;
  if (int error = read_whole_file(file, text)) {
    return ConfigError{setting.origin.describe() + ": 'nodes_file': cannot read " + file + ": " +
                       std::strerror(error)};
  }
  std::vector<NodeConfig> listed;
  std::optional<std::string> why = parse_sshlogin_text(text, file, listed);
  if (!why) why = merge_nodes(config.nodes, std::move(listed));
  if (why) return ConfigError{*why + " (in the nodes_file of " + setting.origin.describe() + ")"};
  return std::nullopt;
}

// ---- The file itself.

ConfigError syntax_error(const std::string& path, const toml::parse_error& error) {
  const auto& begin = error.source().begin;
  return {path + ":" + std::to_string(begin.line) + ":" + std::to_string(begin.column) + ": " +
          std::string(error.description())};
}

// toml++ reports syntax errors by exception or in its result, depending on how it is built.
Error parse_toml(const std::string& path, const std::string& text, toml::table& out) {
#if TOML_EXCEPTIONS
  try {
    out = toml::parse(std::string_view(text), std::string_view(path));
  } catch (const toml::parse_error& error) {
    return syntax_error(path, error);
  }
#else
  toml::parse_result result = toml::parse(std::string_view(text), std::string_view(path));
  if (!result) return syntax_error(path, result.error());
  out = std::move(result).table();
#endif
  return std::nullopt;
}

}  // namespace

std::optional<ConfigError> load_config_file(const std::string& path, bool optional,
                                            Config& config) {
  // Read here rather than by toml::parse_file, whose error loses errno.
  std::string text;
  if (int error = config_detail::read_whole_file(path, text)) {
    if (optional && (error == ENOENT || error == ENOTDIR)) return std::nullopt;
    return ConfigError{path + ": cannot read config file: " + std::strerror(error)};
  }
  toml::table table;
  if (auto error = parse_toml(path, text, table)) return error;
  // Applied to a copy, so a layer with a mistake leaves no half of itself behind.
  Config next = config;
  if (table.contains("node") || table.contains("nodes_file")) {
    // Either way the layer lists the cluster: the lower layers' nodes and nodes_file go.
    next.nodes.clear();
    next.nodes_file = {};
  }
  if (auto error = apply_table<Config>(Layer{path}, table, "", kTopKeys, next)) return error;
  if (table.contains("nodes_file")) {
    if (auto error = add_nodes_file(path, next)) return error;
  }
  config = std::move(next);
  return std::nullopt;
}

}  // namespace dt

// Reading one TOML layer over a Config. Every value is checked against the key it sits under,
// so a mistake is reported as "path:line: what is wrong", never turned into a silent default.
#include "config/config.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <span>
#include <sstream>
#include <string_view>
#include <tuple>
#include <utility>

#include <toml++/toml.h>

#include "config/config_internal.h"

namespace dt {

namespace {

using config_detail::quote;
using Error = std::optional<ConfigError>;

// The layer being read: every origin and message starts with its path.
struct Layer {
  std::string path;

  Origin at(const toml::source_region& where) const {
    return {path, static_cast<int>(where.begin.line)};
  }
  ConfigError error(const toml::source_region& where, const std::string& message) const {
    return {at(where).describe() + ": " + message};
  }
};

// One value from the file, with its dotted name ("node[2].port") for messages and where its
// key is: a value may span lines, and the key is what the user looks for.
struct Item {
  std::string name;
  const toml::node& value;
  toml::source_region where;
};

constexpr auto kString = toml::node_type::string;
constexpr auto kInteger = toml::node_type::integer;
constexpr auto kFloat = toml::node_type::floating_point;

std::string_view type_name(toml::node_type type) {
  switch (type) {
    case toml::node_type::string: return "string";
    case toml::node_type::integer: return "integer";
    case toml::node_type::floating_point: return "float";
    case toml::node_type::boolean: return "boolean";
    case toml::node_type::array: return "array";
    case toml::node_type::table: return "table";
    case toml::node_type::date: return "date";
    case toml::node_type::time: return "time";
    case toml::node_type::date_time: return "date-time";
    case toml::node_type::none: break;
  }
  return "nothing";
}

// The value as TOML spells it. Containers are named by their type alone: they may be long.
std::string spell(const toml::node& node) {
  if (const auto* text = node.as_string()) return quote(text->get());
  if (const auto* number = node.as_floating_point()) {
    double value = number->get();
    std::string spelled = config_detail::format_number(value);
    // Keep a whole float recognisable as a float: "got float 2" would puzzle.
    return std::isfinite(value) && value == std::trunc(value) ? spelled + ".0" : spelled;
  }
  if (node.is_array() || node.is_table()) return "";
  std::ostringstream out;
  node.visit([&out](const auto& value) { out << value; });
  return out.str();
}

// "got 0" when the type was acceptable and only the value was wrong, else "got string "abc"".
std::string got(const toml::node& value, std::initializer_list<toml::node_type> accepted) {
  std::string spelled = spell(value);
  if (std::find(accepted.begin(), accepted.end(), value.type()) != accepted.end()) {
    return "got " + spelled;
  }
  std::string out = "got " + std::string(type_name(value.type()));
  return spelled.empty() ? out : out + " " + spelled;
}

ConfigError invalid(const Layer& layer, const Item& item, std::string_view wants,
                    std::initializer_list<toml::node_type> accepted) {
  return layer.error(item.where, "'" + item.name + "' must be " + std::string(wants) + " (" +
                                     got(item.value, accepted) + ")");
}

// A table's entries in the order the file has them (toml++ keeps them sorted by name), so
// the first mistake reported is the first one in the file.
using Entry = std::pair<const toml::key*, const toml::node*>;
std::vector<Entry> entries_in_file_order(const toml::table& table) {
  std::vector<Entry> entries;
  for (const auto& [key, value] : table) entries.emplace_back(&key, &value);
  auto position = [](const Entry& entry) {
    const auto& begin = entry.first->source().begin;
    return std::tie(begin.line, begin.column);
  };
  std::stable_sort(entries.begin(), entries.end(),
                   [&](const Entry& a, const Entry& b) { return position(a) < position(b); });
  return entries;
}

// ---- Readers: check one value and convert it, or say what was wanted.

Error read_string(const Layer& layer, const Item& item, std::string& out) {
  const auto* text = item.value.as_string();
  if (!text) return invalid(layer, item, "a string", {});
  out = text->get();
  return std::nullopt;
}

Error read_non_empty_string(const Layer& layer, const Item& item, std::string& out) {
  const auto* text = item.value.as_string();
  if (!text || text->get().empty()) return invalid(layer, item, "a non-empty string", {kString});
  out = text->get();
  return std::nullopt;
}

std::string join(std::span<const std::string_view> words) {
  std::string out;
  for (std::string_view word : words) out += (out.empty() ? "" : ", ") + std::string(word);
  return out;
}

Error read_one_of(const Layer& layer, const Item& item, std::span<const std::string_view> choices,
                  std::string& out) {
  const auto* text = item.value.as_string();
  if (!text || std::find(choices.begin(), choices.end(), text->get()) == choices.end()) {
    return invalid(layer, item, "one of " + join(choices), {kString});
  }
  out = text->get();
  return std::nullopt;
}

constexpr std::array<std::string_view, 5> kFrameworks = {"auto", "rspec", "minitest", "pytest",
                                                         "command"};
constexpr std::array<std::string_view, 3> kColors = {"auto", "always", "never"};
constexpr std::array<std::string_view, 2> kHostKeyPolicies = {"strict", "accept-new"};
constexpr std::array<std::string_view, 2> kFlakyPolicies = {"pass", "fail"};

Error read_framework(const Layer& layer, const Item& item, std::string& out) {
  return read_one_of(layer, item, kFrameworks, out);
}
Error read_color(const Layer& layer, const Item& item, std::string& out) {
  return read_one_of(layer, item, kColors, out);
}
Error read_flaky(const Layer& layer, const Item& item, std::string& out) {
  return read_one_of(layer, item, kFlakyPolicies, out);
}
Error read_host_key_policy(const Layer& layer, const Item& item, std::string& out) {
  return read_one_of(layer, item, kHostKeyPolicies, out);
}

Error read_integer(const Layer& layer, const Item& item, std::int64_t min, std::int64_t max,
                   std::string_view wants, int& out) {
  const auto* number = item.value.as_integer();
  if (!number || number->get() < min || number->get() > max) {
    return invalid(layer, item, wants, {kInteger});
  }
  out = static_cast<int>(number->get());
  return std::nullopt;
}

Error read_non_negative(const Layer& layer, const Item& item, int& out) {
  return read_integer(layer, item, 0, INT_MAX, "an integer >= 0", out);
}
Error read_max_attempts(const Layer& layer, const Item& item, int& out) {
  return read_integer(layer, item, 1, INT_MAX, "an integer >= 1", out);
}
Error read_port(const Layer& layer, const Item& item, int& out) {
  return read_integer(layer, item, 1, 65535, "an integer from 1 to 65535", out);
}

// The runner adapter substitutes {file}; a template without it would run the same command
// for every file and report them all as passed.
Error read_command(const Layer& layer, const Item& item, std::string& out) {
  if (auto error = read_string(layer, item, out)) return error;
  if (!out.empty() && out.find("{file}") == std::string::npos) {
    return invalid(layer, item, "a command containing {file}", {kString});
  }
  return std::nullopt;
}

Error read_runners(const Layer& layer, const Item& item, int& out) {
  if (const auto* text = item.value.as_string(); text && text->get() == "auto") {
    out = 0;
    return std::nullopt;
  }
  const auto* number = item.value.as_integer();
  if (!number || number->get() < 1 || number->get() > INT_MAX) {
    return invalid(layer, item, "a positive integer or \"auto\"", {kString, kInteger});
  }
  out = static_cast<int>(number->get());
  return std::nullopt;
}

Error read_seconds(const Layer& layer, const Item& item, double& out) {
  std::optional<double> seconds;
  if (const auto* number = item.value.as_integer()) seconds = static_cast<double>(number->get());
  if (const auto* number = item.value.as_floating_point()) seconds = number->get();
  if (!seconds || !std::isfinite(*seconds) || *seconds < 0) {
    return invalid(layer, item, "a number of seconds", {kInteger, kFloat});
  }
  if (*seconds > kMaxTimeoutSeconds) {
    // A clock's nanoseconds overflow somewhere past 292 years; far before that, it is a typo.
    return invalid(layer, item, "at most 1000000 seconds (11.5 days)", {kInteger, kFloat});
  }
  out = *seconds;
  return std::nullopt;
}

Error read_string_list(const Layer& layer, const Item& item, std::vector<std::string>& out) {
  const auto* array = item.value.as_array();
  if (!array) return invalid(layer, item, "an array of strings", {});
  out.clear();
  for (std::size_t i = 0; i < array->size(); ++i) {
    const toml::node& element = *array->get(i);
    Item entry{item.name + "[" + std::to_string(i + 1) + "]", element, element.source()};
    std::string text;
    if (auto error = read_string(layer, entry, text)) return error;
    out.push_back(std::move(text));
  }
  return std::nullopt;
}

// Merges into `out`: a layer's [env] adds to and overrides the lower layers' variables.
Error read_env(const Layer& layer, const Item& item, std::map<std::string, std::string>& out) {
  const auto* table = item.value.as_table();
  if (!table) return invalid(layer, item, "a table of strings", {});
  for (const auto& [key, value] : entries_in_file_order(*table)) {
    std::string_view name = key->str();
    Item entry{item.name + "." + config_detail::quote_key(name), *value, key->source()};
    // execve cannot pass a name that is empty or holds '='.
    if (name.empty() || name.find('=') != std::string_view::npos) {
      return layer.error(entry.where,
                         "'" + entry.name + "' is not a valid environment variable name");
    }
    std::string text;
    if (auto error = read_string(layer, entry, text)) return error;
    out[std::string(name)] = std::move(text);
  }
  return std::nullopt;
}

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
};

const Key<Config> kSshKeys[] = {
    {"known_hosts", setting<&Config::known_hosts, read_string>},
    {"host_key_policy", setting<&Config::host_key_policy, read_host_key_policy>},
    {"remote_root", setting<&Config::remote_root, read_string>},
};

const Key<Config> kSyncKeys[] = {
    {"exclude", setting<&Config::sync_exclude, read_string_list>},
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
    {"env", field<&NodeConfig::env, read_env>},
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
  if (node.name.empty()) node.name = node.host;
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
    {"timeout", setting<&Config::timeout, read_seconds>},
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
    {"node", apply_nodes},
};

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
  if (auto error = apply_table<Config>(Layer{path}, table, "", kTopKeys, next)) return error;
  config = std::move(next);
  return std::nullopt;
}

}  // namespace dt

// What each kind of setting accepts, and how a wrong value is reported.
#include "config/config_values.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <sstream>
#include <tuple>
#include <utility>

#include "config/config_internal.h"

namespace dt::config_detail {

namespace {

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
constexpr std::array<std::string_view, 2> kSplitPolicies = {"auto", "off"};
constexpr std::array<std::string_view, 2> kIoniceClasses = {"idle", "none"};

Error read_integer(const Layer& layer, const Item& item, std::int64_t min, std::int64_t max,
                   std::string_view wants, int& out) {
  const auto* number = item.value.as_integer();
  if (!number || number->get() < min || number->get() > max) {
    return invalid(layer, item, wants, {kInteger});
  }
  out = static_cast<int>(number->get());
  return std::nullopt;
}

}  // namespace

// A table's entries in the order the file has them (toml++ keeps them sorted by name), so
// the first mistake reported is the first one in the file.
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

ConfigError invalid(const Layer& layer, const Item& item, std::string_view wants,
                    std::initializer_list<toml::node_type> accepted) {
  return layer.error(item.where, "'" + item.name + "' must be " + std::string(wants) + " (" +
                                     got(item.value, accepted) + ")");
}


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

Error read_framework(const Layer& layer, const Item& item, std::string& out) {
  return read_one_of(layer, item, kFrameworks, out);
}
Error read_color(const Layer& layer, const Item& item, std::string& out) {
  return read_one_of(layer, item, kColors, out);
}
Error read_flaky(const Layer& layer, const Item& item, std::string& out) {
  return read_one_of(layer, item, kFlakyPolicies, out);
}
Error read_split(const Layer& layer, const Item& item, std::string& out) {
  return read_one_of(layer, item, kSplitPolicies, out);
}
Error read_ionice(const Layer& layer, const Item& item, std::string& out) {
  return read_one_of(layer, item, kIoniceClasses, out);
}
Error read_nice(const Layer& layer, const Item& item, int& out) {
  return read_integer(layer, item, 0, 19, "an integer from 0 to 19", out);
}
Error read_host_key_policy(const Layer& layer, const Item& item, std::string& out) {
  return read_one_of(layer, item, kHostKeyPolicies, out);
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
    out = kRunnersAuto;
    return std::nullopt;
  }
  if (const auto* text = item.value.as_string(); text && text->get() == "idle") {
    out = kRunnersIdle;
    return std::nullopt;
  }
  const auto* number = item.value.as_integer();
  if (!number || number->get() < 1 || number->get() > INT_MAX) {
    return invalid(layer, item, "a positive integer, \"auto\" or \"idle\"", {kString, kInteger});
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

Error read_project_globs(const Layer& layer, const Item& item, std::vector<std::string>& out) {
  if (auto error = read_string_list(layer, item, out)) return error;
  const auto* array = item.value.as_array();
  for (std::size_t i = 0; i < out.size(); ++i) {
    const std::string& glob = out[i];
    bool climbs = glob == ".." || glob.starts_with("../") || glob.ends_with("/..") ||
                  glob.find("/../") != std::string::npos;
    if (glob.empty() || glob.front() == '/' || climbs) {
      return layer.error(array->get(i)->source(),
                         "'" + item.name + "[" + std::to_string(i + 1) + "]' is " + quote(glob) +
                             ": it must be a glob relative to the project, inside it "
                             "(like \"coverage/**\")");
    }
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

}  // namespace dt::config_detail

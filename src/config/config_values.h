// Checking one value of a config file: what TOML type and range each kind of setting takes,
// and the "path:line: 'key' must be ... (got ...)" message when it is not. Internal to
// src/config (it includes toml++): config.cc applies these to the keys of each table.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <toml++/toml.h>

#include "config/config.h"

namespace dt::config_detail {

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

// A table's entries in the order the file has them (toml++ keeps them sorted by name), so
// the first mistake reported is the first one in the file.
using Entry = std::pair<const toml::key*, const toml::node*>;
std::vector<Entry> entries_in_file_order(const toml::table& table);

// "'key' must be WANTS (got ...)" at the item's line; `accepted`: the types whose value alone
// was wrong, so the message shows the value without its type.
ConfigError invalid(const Layer& layer, const Item& item, std::string_view wants,
                    std::initializer_list<toml::node_type> accepted);

// Readers: each checks one value and converts it into `out`, or says what was wanted.
Error read_string(const Layer& layer, const Item& item, std::string& out);
Error read_non_empty_string(const Layer& layer, const Item& item, std::string& out);
Error read_framework(const Layer& layer, const Item& item, std::string& out);
Error read_color(const Layer& layer, const Item& item, std::string& out);
Error read_flaky(const Layer& layer, const Item& item, std::string& out);
Error read_split(const Layer& layer, const Item& item, std::string& out);
Error read_ionice(const Layer& layer, const Item& item, std::string& out);
Error read_nice(const Layer& layer, const Item& item, int& out);
Error read_host_key_policy(const Layer& layer, const Item& item, std::string& out);
Error read_non_negative(const Layer& layer, const Item& item, int& out);
Error read_max_attempts(const Layer& layer, const Item& item, int& out);
Error read_port(const Layer& layer, const Item& item, int& out);
Error read_command(const Layer& layer, const Item& item, std::string& out);
Error read_runners(const Layer& layer, const Item& item, int& out);
Error read_seconds(const Layer& layer, const Item& item, double& out);
Error read_string_list(const Layer& layer, const Item& item, std::vector<std::string>& out);
// Globs of files inside the project: relative, with no ".." part.
Error read_project_globs(const Layer& layer, const Item& item, std::vector<std::string>& out);
Error read_env(const Layer& layer, const Item& item, std::map<std::string, std::string>& out);

}  // namespace dt::config_detail

// Nodes written in GNU parallel's sshlogin format, for -S/--sshlogin, --sshloginfile and the
// config's nodes_file: `[N/][user@]host[:port]`, `[N/]ssh [-p PORT] [-l USER] [user@]host`, and
// `[N/]:` for this box. What parallel also accepts but a run cannot honour (host groups,
// passwords, another ssh program, `..` and `-`) is rejected with the entry named, never dropped.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"

namespace dt {

// One entry into `node` (name = host, or "local" for `:`; an `N/` is fixed, see NodeConfig).
// Returns why it is not one.
std::optional<std::string> parse_sshlogin(std::string_view entry, NodeConfig& node);

// A comma-separated list (one -S value). Errors read "<where>: '<entry>': <why>".
std::optional<std::string> parse_sshlogin_list(std::string_view list, const std::string& where,
                                               std::vector<NodeConfig>& nodes);

// A file's text: entries one a line; blank lines and lines starting with '#' are skipped.
// Errors read "path:line: '<entry>': <why>".
std::optional<std::string> parse_sshlogin_text(std::string_view text, const std::string& path,
                                               std::vector<NodeConfig>& nodes);

// The same, read from `path`.
std::optional<std::string> read_sshlogin_file(const std::string& path,
                                              std::vector<NodeConfig>& nodes);

// Adds `extra` to `nodes`. Two sshlogins of one host under different users or ports are
// named user@host:port, as written; any other clash of names is an error naming both origins.
std::optional<std::string> merge_nodes(std::vector<NodeConfig>& nodes,
                                       std::vector<NodeConfig> extra);

}  // namespace dt

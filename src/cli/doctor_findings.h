// What `distributest doctor` found on one node, and what it makes of it: the node's row of the
// table and the fixes to print. doctor.cc runs the checks; this file only reads their results.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "config/config.h"
#include "transport/cpu_count.h"
#include "transport/real_transport.h"

namespace dt {

struct NodeCheck {
  NodeConfig node;
  SshNodeSpec spec;
  bool local = false;
  // Filled in by the check.
  std::string connect_error;
  std::string auth_method;
  double connect_ms = -1;
  bool ran = false;
  std::string run_error;
  double rtt_ms = -1;
  std::map<std::string, std::string> facts;
};

// A key=value the check script printed; "" when it did not.
std::string fact(const NodeCheck& c, const std::string& key);
std::optional<CpuCount> cpu_of(const NodeCheck& c);

std::vector<std::string> table_header();
std::vector<std::string> table_row(const NodeCheck& c);
// Appends what to do about each problem the check found; returns whether the node is usable.
bool add_fixes(const NodeCheck& c, const std::string& framework, const std::string& project_dir,
               std::vector<std::string>& fixes);

}  // namespace dt

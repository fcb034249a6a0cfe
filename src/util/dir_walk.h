// A bounded walk over a directory tree, for questions that a glance at a project answers
// ("does it have any test_*.py?") and that must stay quick in a checkout of any size.
#pragma once

#include <cstddef>
#include <functional>
#include <string>

namespace dt {

struct DirWalk {
  // Whether to leave out a directory: its name and its path relative to the root.
  std::function<bool(const std::string& name, const std::string& rel)> skip_dir = nullptr;
  // Stops after this many entries (files and directories) were looked at.
  std::size_t max_entries = 20000;
};

enum class WalkEnd { kAll, kStopped, kCapped, kUnreadable };

// Visits the regular files under `root`, breadth first and each directory in name order, so the
// files nearest the top come first and the same tree gives the same order. `visit` gets a path
// relative to `root` ('/'-separated) and returns false to stop. Directory symlinks are not
// entered (no loops). An unreadable subdirectory is passed over; only an unreadable root is
// kUnreadable.
WalkEnd walk_files(const std::string& root, const DirWalk& options,
                   const std::function<bool(const std::string& rel)>& visit);

}  // namespace dt

#include "util/dir_walk.h"

#include <algorithm>
#include <deque>
#include <filesystem>
#include <system_error>
#include <vector>

namespace dt {

namespace fs = std::filesystem;

namespace {

struct Entry {
  std::string name;
  bool directory = false;
  bool file = false;
};

// One directory's entries in name order; false when it cannot be read.
bool list_dir(const fs::path& dir, std::vector<Entry>& out) {
  out.clear();
  std::error_code ec;
  fs::directory_iterator it(dir, ec);
  if (ec) return false;
  for (; it != fs::directory_iterator(); it.increment(ec)) {
    if (ec) break;
    std::error_code type_ec;
    fs::file_status link = it->symlink_status(type_ec);
    Entry e{it->path().filename().string()};
    e.directory = fs::is_directory(link);
    e.file = fs::is_regular_file(it->status(type_ec));  // a symlink to a file is a file
    out.push_back(std::move(e));
  }
  std::sort(out.begin(), out.end(), [](const Entry& a, const Entry& b) { return a.name < b.name; });
  return true;
}

}  // namespace

WalkEnd walk_files(const std::string& root, const DirWalk& options,
                   const std::function<bool(const std::string& rel)>& visit) {
  std::deque<std::string> pending{""};  // directories to list, relative to root
  std::vector<Entry> entries;
  std::size_t seen = 0;
  bool first = true;
  while (!pending.empty()) {
    std::string dir = std::move(pending.front());
    pending.pop_front();
    bool readable = list_dir(dir.empty() ? fs::path(root) : fs::path(root) / dir, entries);
    if (!readable && first) return WalkEnd::kUnreadable;
    first = false;
    for (const Entry& e : entries) {
      if (++seen > options.max_entries) return WalkEnd::kCapped;
      std::string rel = dir.empty() ? e.name : dir + "/" + e.name;
      if (e.directory) {
        if (!options.skip_dir || !options.skip_dir(e.name, rel)) pending.push_back(std::move(rel));
      } else if (e.file && !visit(rel)) {
        return WalkEnd::kStopped;
      }
    }
  }
  return WalkEnd::kAll;
}

}  // namespace dt

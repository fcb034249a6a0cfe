// What a sync puts on the nodes, known to the master before it syncs, so that no file goes to
// a node that will not have it. In a git work tree git decides, as for a clone: tracked files
// and the untracked ones it does not ignore (what `git ls-files --cached --others
// --exclude-standard` lists), so a tracked file that a .gitignore pattern matches is shipped
// and an ignored file is not. Elsewhere rsync reads the .gitignore files itself, as it always
// did. distributest's own files and [sync] exclude are left out in both cases.
#pragma once

#include <string>
#include <vector>

namespace dt {

struct ShippedFiles {
  bool from_git = false;
  // The untracked files git ignores, relative to the project; a directory ignored as a whole
  // is one entry ending in '/'.
  std::vector<std::string> git_ignored;
  std::vector<std::string> excludes;  // [sync] exclude: rsync patterns
};

// Asks git whether `project_dir` is in a work tree and, if so, what it ignores there
// (submodules included). When git is missing or says it is not a work tree, the result is
// outside git; when git fails otherwise, `warning` (never null) says why, and the result is
// outside git too.
ShippedFiles shipped_files(const std::string& project_dir,
                           const std::vector<std::string>& sync_excludes, std::string* warning);

// Why `path` (a file, relative to the project) is not shipped, such as "git ignores it", or ""
// when it is. Outside git, .gitignore files are not consulted (rsync reads them on its own).
std::string why_not_shipped(const ShippedFiles& shipped, const std::string& path);

// distributest's own entries, never shipped and never deleted on a node: rsync patterns.
const std::vector<std::string>& own_excludes();

// The rules that hide (and keep on the node) what git ignores, one rsync exclude rule per
// line, for rsync's --filter=merge. Empty outside git.
std::string git_ignored_rules(const ShippedFiles& shipped);

// Whether rsync's exclude `pattern` leaves out `path`: the pattern matches it or a directory
// it is in, with rsync's rules (a leading '/' anchors, a trailing '/' is for directories only,
// a pattern without '/' is matched against each name, `*` stays within a name, `**` does not).
bool rsync_pattern_excludes(const std::string& pattern, const std::string& path);

}  // namespace dt

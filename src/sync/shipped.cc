#include "sync/shipped.h"

#include <fnmatch.h>

#include <algorithm>
#include <string_view>

#include "util/run_command.h"

namespace dt {

namespace {

std::string first_line(const std::string& text) {
  std::string line = text.substr(0, text.find('\n'));
  return line.empty() ? "no message" : line;
}

std::vector<std::string> split_nul(const std::string& text) {
  std::vector<std::string> items;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\0', start);
    if (end == std::string::npos) end = text.size();
    if (end > start) items.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return items;
}

// What git ignores in the work tree at `dir` (not descending into submodules), prefixed by
// `prefix`. Returns false, with `error` set, when git fails.
bool add_ignored(const std::string& dir, const std::string& prefix, std::vector<std::string>& out,
                 std::string* error) {
  CommandResult ls = run_command({"git", "-C", dir, "ls-files", "-z", "--others", "--ignored",
                                  "--exclude-standard", "--directory"});
  if (!ls.started || ls.status != 0) {
    *error = "git ls-files in " + dir + " failed: " + first_line(ls.err);
    return false;
  }
  for (std::string& entry : split_nul(ls.out)) out.push_back(prefix + entry);
  return true;
}

// The checked-out submodules under `dir`, nested ones included, relative to `dir`.
std::vector<std::string> submodules(const std::string& dir, std::string* error) {
  CommandResult list = run_command({"git", "-C", dir, "submodule", "--quiet", "foreach",
                                    "--recursive", "printf '%s\\0' \"$displaypath\""});
  if (!list.started || list.status != 0) {
    *error = "git submodule foreach in " + dir + " failed: " + first_line(list.err);
    return {};
  }
  std::vector<std::string> paths;
  for (std::string& path : split_nul(list.out)) {
    if (!path.starts_with("../")) paths.push_back(path);  // outside the project
  }
  return paths;
}

bool has_wildcards(std::string_view pattern) {
  return pattern.find_first_of("*?[") != std::string_view::npos;
}

// rsync's wildmatch: `*` and `?` stay within a name, `**` crosses '/', `[...]` is a class, and
// a backslash escapes the next character.
bool wildmatch(std::string_view p, std::string_view s) {
  while (!p.empty()) {
    char c = p.front();
    if (c == '*') {
      bool crosses = p.size() > 1 && p[1] == '*';
      while (!p.empty() && p.front() == '*') p.remove_prefix(1);
      for (std::size_t i = 0; i <= s.size(); ++i) {
        if (wildmatch(p, s.substr(i))) return true;
        if (i < s.size() && s[i] == '/' && !crosses) return false;
      }
      return false;
    }
    if (s.empty()) return false;
    if (c == '?') {
      if (s.front() == '/') return false;
      p.remove_prefix(1);
    } else if (c == '[') {
      // The class ends at the first ']' that is not its first member ("[]a]", "[!]a]").
      std::size_t end = p.size() > 1 && (p[1] == '!' || p[1] == '^') ? 2 : 1;
      if (end < p.size() && p[end] == ']') ++end;
      end = p.find(']', end);
      if (end == std::string_view::npos) {  // no class: a literal '['
        if (s.front() != '[') return false;
        p.remove_prefix(1);
      } else {
        std::string cls(p.substr(0, end + 1));
        if (cls[1] == '^') cls[1] = '!';
        if (s.front() == '/' || fnmatch(cls.c_str(), std::string(1, s.front()).c_str(), 0) != 0) {
          return false;
        }
        p.remove_prefix(end + 1);
      }
    } else {
      if (c == '\\' && p.size() > 1) p.remove_prefix(1);
      if (p.front() != s.front()) return false;
      p.remove_prefix(1);
    }
    s.remove_prefix(1);
  }
  return s.empty();
}

bool pattern_matches(std::string_view pattern, bool wild, std::string_view item) {
  return wild ? wildmatch(pattern, item) : pattern == item;
}

// A name as an rsync pattern that matches only itself. Without wildcards rsync compares
// literally (backslashes included); with one, every special character is escaped. A line
// break cannot be in a rules file, so it becomes '?', which may also match one sibling that
// differs there.
std::string rsync_literal(const std::string& name) {
  if (!has_wildcards(name) && name.find_first_of("\n\r") == std::string::npos) return name;
  std::string out;
  for (char c : name) {
    if (c == '\n' || c == '\r') {
      out += '?';
      continue;
    }
    if (c == '*' || c == '?' || c == '[' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

}  // namespace

const std::vector<std::string>& own_excludes() {
  // The marker, lock and busy files and the adapters live in the node's copy; .git and the run
  // logs are of no use there.
  static const std::vector<std::string> kOwn{"/.distributest-dir",
                                             "/.distributest-lock",
                                             "/.distributest-busy",
                                             "/.distributest-runtime",
                                             "/.git",
                                             ".distributest/logs"};
  return kOwn;
}

ShippedFiles shipped_files(const std::string& project_dir,
                           const std::vector<std::string>& sync_excludes, std::string* warning) {
  warning->clear();
  ShippedFiles shipped;
  shipped.excludes = sync_excludes;
  CommandResult probe =
      run_command({"git", "-C", project_dir, "rev-parse", "--is-inside-work-tree"});
  if (!probe.started) return shipped;  // no git on this box: not a work tree it can tell of
  if (probe.status != 0) {
    if (probe.err.find("not a git repository") == std::string::npos) {
      *warning = "cannot ask git which files to sync (" + first_line(probe.err) +
                 "); syncing as outside a git work tree, with rsync reading .gitignore";
    }
    return shipped;
  }
  if (probe.out != "true\n") return shipped;  // inside a .git directory

  std::string error;
  std::vector<std::string> ignored;
  if (!add_ignored(project_dir, "", ignored, &error)) {
    *warning = error + "; syncing as outside a git work tree, with rsync reading .gitignore";
    return shipped;
  }
  for (const std::string& sub : submodules(project_dir, &error)) {
    if (!add_ignored(project_dir + "/" + sub, sub + "/", ignored, &error)) break;
  }
  if (!error.empty()) *warning = error + "; what submodules ignore is synced too";
  std::sort(ignored.begin(), ignored.end());
  shipped.git_ignored = std::move(ignored);
  shipped.from_git = true;
  return shipped;
}

bool rsync_pattern_excludes(const std::string& pattern, const std::string& path) {
  std::string_view p = pattern;
  bool dirs_only = false;
  if (p.ends_with("/***")) {  // the directory and everything in it
    p.remove_suffix(4);
    dirs_only = true;
  }
  while (p.size() > 1 && p.ends_with("/")) {
    p.remove_suffix(1);
    dirs_only = true;
  }
  bool anchored = p.starts_with("/");
  if (anchored) p.remove_prefix(1);
  bool wild = has_wildcards(pattern);
  bool whole_path =
      anchored || p.find('/') != std::string_view::npos || p.find("**") != std::string_view::npos;
  // rsync does not descend into an excluded directory: each directory on the way counts.
  std::string_view all = path;
  for (std::size_t end = 0; end != std::string_view::npos;) {
    end = all.find('/', end + 1);
    bool is_dir = end != std::string_view::npos;
    if (dirs_only && !is_dir) break;
    std::string_view item = all.substr(0, end);
    if (!whole_path) {
      std::size_t slash = item.rfind('/');
      if (pattern_matches(p, wild, slash == std::string_view::npos ? item : item.substr(slash + 1)))
        return true;
    } else if (anchored) {
      if (pattern_matches(p, wild, item)) return true;
    } else {
      for (std::size_t i = 0; i < item.size(); i = item.find('/', i) + 1) {
        if (pattern_matches(p, wild, item.substr(i))) return true;
        if (item.find('/', i) == std::string_view::npos) break;
      }
    }
  }
  return false;
}

std::string why_not_shipped(const ShippedFiles& shipped, const std::string& path) {
  for (const std::string& pattern : own_excludes()) {
    if (rsync_pattern_excludes(pattern, path)) return "distributest never syncs '" + pattern + "'";
  }
  for (const std::string& pattern : shipped.excludes) {
    if (rsync_pattern_excludes(pattern, path)) return "[sync] exclude has '" + pattern + "'";
  }
  if (shipped.from_git) {
    auto ignored = [&](const std::string& entry) {
      return std::binary_search(shipped.git_ignored.begin(), shipped.git_ignored.end(), entry);
    };
    if (ignored(path)) return "git ignores it";
    for (std::size_t slash = path.find('/'); slash != std::string::npos;
         slash = path.find('/', slash + 1)) {
      if (ignored(path.substr(0, slash + 1))) {
        return "git ignores " + path.substr(0, slash + 1);
      }
    }
  }
  return "";
}

std::string git_ignored_rules(const ShippedFiles& shipped) {
  std::string rules;
  if (!shipped.from_git) return rules;
  for (const std::string& entry : shipped.git_ignored) {
    rules += "- /";
    rules += rsync_literal(entry);
    rules += '\n';
  }
  return rules;
}

}  // namespace dt

#include "schedule/plan.h"

#include <fnmatch.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <queue>
#include <set>
#include <string_view>
#include <system_error>

#include "schedule/timing_store.h"
#include "util/radix_sort.h"

namespace dt {
namespace {

namespace fs = std::filesystem;

// Seconds per byte of test source when no file has history yet. With nothing known only the
// order matters (biggest files first), and that does not depend on the rate; the rate only
// shows in predicted makespans. 1e-5 s/B (a 10 KB file ~ 0.1 s) is deliberately on the fast
// side, so a first run's prediction is not alarming.
constexpr double kDefaultSecondsPerByte = 1e-5;

std::vector<std::string_view> split_segments(std::string_view path) {
  std::vector<std::string_view> segments;
  while (!path.empty()) {
    std::size_t slash = path.find('/');
    std::string_view segment = path.substr(0, slash);
    if (!segment.empty() && segment != ".") segments.push_back(segment);
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return segments;
}

bool has_glob_chars(std::string_view text) {
  return text.find_first_of("*?[") != std::string_view::npos;
}

bool segment_match(std::string_view pattern, std::string_view name) {
  // fnmatch wants NUL-terminated strings; segments are views into larger strings.
  return fnmatch(std::string(pattern).c_str(), std::string(name).c_str(), 0) == 0;
}

// For messages: a name may hold a newline, which would break the one-line error.
std::string display(std::string_view name) {
  std::string out;
  for (char c : name) {
    if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

bool is_inside(const fs::path& canonical_root, const fs::path& canonical) {
  fs::path rel = canonical.lexically_relative(canonical_root);
  return !rel.empty() && *rel.begin() != "..";
}

// Installed packages and tools' state, never the project's tests. A virtualenv (whatever its
// name: `python -m venv venv` is common, and not always gitignored) is told by its pyvenv.cfg;
// its site-packages hold thousands of test_*.py files that pytest's globs would take.
bool skipped_dir(const fs::path& path, const std::string& rel) {
  std::string n = path.filename().string();
  std::error_code ec;
  return n.starts_with(".") || n == "node_modules" || n == "__pycache__" ||
         rel == "vendor/bundle" || rel.ends_with("/vendor/bundle") ||
         fs::exists(path / "pyvenv.cfg", ec);
}

class Discovery {
 public:
  Discovery(fs::path root, fs::path canonical_root)
      : root_(std::move(root)), canonical_root_(std::move(canonical_root)) {}

  const fs::path& canonical_root() const { return canonical_root_; }

  // Regular files under `rel_dir` ("" = the project), relative to the project root.
  // Directory symlinks are not entered: their targets are either inside the project (and found
  // under their real path) or outside it, and not entering them also rules out loops.
  bool walk(const std::string& rel_dir, std::vector<std::string>& out, std::string* error) {
    fs::path start = rel_dir.empty() ? root_ : root_ / rel_dir;
    std::error_code ec;
    fs::recursive_directory_iterator it(start, fs::directory_options::skip_permission_denied,
                                        ec);
    for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      const fs::directory_entry& entry = *it;
      std::string rel = entry.path().lexically_relative(root_).generic_string();
      std::error_code type_ec;
      if (entry.is_symlink(type_ec)) {
        if (entry.is_regular_file(type_ec) && inside(entry.path())) out.push_back(rel);
      } else if (entry.is_directory(type_ec)) {
        if (skipped_dir(entry.path(), rel)) it.disable_recursion_pending();
      } else if (entry.is_regular_file(type_ec)) {
        out.push_back(rel);
      }
    }
    if (ec) {
      *error = "distributest: cannot read '" + display(start.string()) + "': " + ec.message();
      return false;
    }
    return true;
  }

  const std::vector<std::string>* all_files(std::string* error) {
    if (!all_files_) {
      std::vector<std::string> files;
      if (!walk("", files, error)) return nullptr;
      all_files_ = std::move(files);
    }
    return &*all_files_;
  }

  bool inside(const fs::path& path) const {
    std::error_code ec;
    fs::path canonical = fs::weakly_canonical(path, ec);
    return !ec && is_inside(canonical_root_, canonical);
  }

  // The project-relative form of an argument ("" for the project itself), or nullopt when it
  // resolves outside. The lexical form is kept when it is inside, so a symlinked file keeps the
  // name the user typed.
  std::optional<std::string> relative(const std::string& arg) const {
    fs::path full = fs::path(arg).is_absolute() ? fs::path(arg) : root_ / arg;
    full = full.lexically_normal();
    if (!inside(full)) return std::nullopt;
    fs::path rel = full.lexically_relative(root_);
    if (rel.empty() || *rel.begin() == "..") {
      std::error_code ec;
      rel = fs::weakly_canonical(full, ec).lexically_relative(canonical_root_);
    }
    std::string text = rel.generic_string();
    if (text == ".") return "";
    while (text.ends_with("/")) text.pop_back();
    return text;
  }

 private:
  fs::path root_;
  fs::path canonical_root_;
  std::optional<std::vector<std::string>> all_files_;
};

bool matches_any(const std::vector<std::string>& globs, const std::string& path) {
  return std::any_of(globs.begin(), globs.end(),
                     [&](const std::string& glob) { return glob_match(glob, path); });
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

}  // namespace

bool glob_match(const std::string& glob, const std::string& path) {
  // Like .gitignore: a pattern without '/' is a file name, matched in any directory.
  std::string pattern = glob.find('/') == std::string::npos ? "**/" + glob : glob;
  std::vector<std::string_view> gs = split_segments(pattern);
  std::vector<std::string_view> ps = split_segments(path);
  // memo[i * (ps+1) + j]: whether gs[i..] matches ps[j..]; -1 = not computed yet. Without it,
  // several `**` in one pattern would backtrack exponentially.
  std::vector<signed char> memo((gs.size() + 1) * (ps.size() + 1), -1);
  std::function<bool(std::size_t, std::size_t)> match = [&](std::size_t i, std::size_t j) {
    signed char& known = memo[i * (ps.size() + 1) + j];
    if (known >= 0) return known == 1;
    bool result;
    if (i == gs.size()) {
      result = j == ps.size();
    } else if (gs[i] == "**") {
      result = match(i + 1, j) || (j < ps.size() && match(i, j + 1));
    } else {
      result = j < ps.size() && segment_match(gs[i], ps[j]) && match(i + 1, j + 1);
    }
    known = result ? 1 : 0;
    return result;
  };
  return match(0, 0);
}

std::vector<std::string> discover_files(const std::string& project_dir,
                                        const std::vector<std::string>& args,
                                        const std::vector<std::string>& default_globs,
                                        const std::vector<std::string>& exclude_globs,
                                        std::string* error) {
  error->clear();
  std::error_code ec;
  fs::path root = fs::absolute(project_dir, ec).lexically_normal();
  if (!root.has_filename() && root.has_parent_path() && root != root.root_path())
    root = root.parent_path();
  fs::path canonical_root = ec ? fs::path() : fs::canonical(root, ec);
  if (ec) {
    *error = "distributest: cannot read the project directory '" + display(project_dir) +
             "': " + ec.message();
    return {};
  }
  Discovery discovery(root, canonical_root);
  std::vector<std::string> found;
  std::size_t excluded = 0;
  // Adds the files of `candidates` that `keep` accepts and no exclude glob removes; returns
  // whether any was added.
  auto add_matching = [&](const std::vector<std::string>& candidates, auto keep) {
    bool any = false;
    for (const std::string& file : candidates) {
      if (!keep(file)) continue;
      if (matches_any(exclude_globs, file)) {
        ++excluded;
        continue;
      }
      found.push_back(file);
      any = true;
    }
    return any;
  };
  auto no_match = [&](const std::string& what) {
    *error = "distributest: no test files match " + what;
    if (excluded > 0) *error += " (" + std::to_string(excluded) + " excluded by 'exclude')";
    return std::vector<std::string>();
  };

  if (args.empty()) {
    const std::vector<std::string>* all = discovery.all_files(error);
    if (!all) return {};
    auto keep = [&](const std::string& file) { return matches_any(default_globs, file); };
    if (!add_matching(*all, keep)) {
      if (default_globs.empty()) {
        *error = "distributest: no test files given and no default file globs configured";
        return {};
      }
      return no_match("the default globs (" + display(join(default_globs)) + ")");
    }
  }

  // A DIR argument takes the files whose names look like tests by the default globs' last
  // segments: `spec/models` with `spec/**/*_spec.rb` is `spec/models/**/*_spec.rb`.
  std::vector<std::string> name_patterns;
  for (const std::string& glob : default_globs) {
    std::size_t slash = glob.rfind('/');
    name_patterns.push_back(slash == std::string::npos ? glob : glob.substr(slash + 1));
  }

  for (const std::string& arg : args) {
    excluded = 0;
    const std::string quoted = "'" + display(arg) + "'";
    fs::path full = fs::path(arg).is_absolute() ? fs::path(arg) : root / arg;
    std::error_code status_ec;
    fs::file_status status = fs::status(full, status_ec);
    // A real file named with '[' (`pages/[id].test.js`) is a file, not a pattern.
    if (has_glob_chars(arg) && !fs::exists(status)) {
      std::string pattern = arg;
      for (const fs::path& prefix : {root, canonical_root}) {
        std::string text = prefix.generic_string() + "/";
        if (pattern.starts_with(text)) pattern.erase(0, text.size());
      }
      const std::vector<std::string>* all = discovery.all_files(error);
      if (!all) return {};
      auto keep = [&](const std::string& file) { return glob_match(pattern, file); };
      if (!add_matching(*all, keep)) return no_match(quoted);
      continue;
    }
    std::optional<std::string> rel = discovery.relative(arg);
    if (!rel) {
      *error = "distributest: " + quoted + " is outside the project (" +
               display(canonical_root.string()) + ")";
      return {};
    }
    if (fs::is_directory(status)) {
      std::vector<std::string> files;
      if (!discovery.walk(*rel, files, error)) return {};
      auto keep = [&](const std::string& file) {
        if (name_patterns.empty()) return true;
        std::string name = fs::path(file).filename().string();
        return std::any_of(name_patterns.begin(), name_patterns.end(),
                           [&](const std::string& p) { return segment_match(p, name); });
      };
      if (!add_matching(files, keep)) return no_match(quoted);
    } else if (fs::is_regular_file(status)) {
      // Named explicitly, so run it even if an exclude glob or the default globs say otherwise.
      found.push_back(*rel);
    } else {
      return no_match(quoted);
    }
  }

  std::sort(found.begin(), found.end());
  found.erase(std::unique(found.begin(), found.end()), found.end());
  for (const std::string& file : found) {
    // Paths go to runners one per line (docs/protocol.md), so a newline cannot be sent, and a
    // line that begins with 0x1f is a part of a file, not a path.
    if (file.find('\n') != std::string::npos) {
      *error = "distributest: cannot run '" + display(file) +
               "': file names with newlines are not supported";
      return {};
    }
    if (file.starts_with('\x1f')) {
      *error = "distributest: cannot run '" + display(file) +
               "': a path that begins with the byte 0x1f is not supported";
      return {};
    }
  }
  return found;
}

void mark_fresh_sessions(std::vector<PlannedFile>& files, const std::vector<std::string>& globs) {
  for (PlannedFile& f : files) f.fresh_session = matches_any(globs, f.path);
}

std::vector<PlannedFile> plan_files(const std::string& project_dir,
                                    const std::vector<std::string>& files,
                                    const TimingStore& store) {
  // Each file's expected seconds and index, sorted, and only then its entry: the entries are
  // written once, in their final order (a million of them sorted by value would each be moved
  // many times).
  std::vector<std::pair<double, std::size_t>> keys;
  keys.reserve(files.size());
  std::vector<bool> known(files.size(), false);
  bool all_known = true;
  // Files come sorted (discover_files), as the store's map is: one walk along both then, not a
  // tree search per file, which for a million files is a cache miss per level.
  bool sorted = std::is_sorted(files.begin(), files.end());
  const FileTimings& timings = store.timings();
  auto walk = timings.begin();
  auto find = [&](const std::string& file) -> const FileTiming* {
    if (!sorted) return store.find(file);
    while (walk != timings.end() && walk->first < file) ++walk;
    return walk != timings.end() && walk->first == file ? &walk->second : nullptr;
  };
  for (std::size_t i = 0; i < files.size(); ++i) {
    const FileTiming* timing = find(files[i]);
    keys.emplace_back(timing ? timing->seconds : 0.0, i);
    known[i] = timing != nullptr;
    all_known = all_known && timing;
  }
  // Sizes only estimate the files without history, at the rate of those with it. A suite the
  // store knows entirely reads no sizes: a stat per file is seconds for a million files.
  std::vector<std::uintmax_t> bytes;
  if (!all_known) {
    bytes.resize(files.size());
    double known_seconds = 0;
    double known_bytes = 0;
    for (std::size_t i = 0; i < files.size(); ++i) {
      std::error_code ec;
      std::uintmax_t size = fs::file_size(fs::path(project_dir) / files[i], ec);
      bytes[i] = ec ? 0 : size;
      if (known[i] && bytes[i] > 0) {
        known_seconds += keys[i].first;
        known_bytes += static_cast<double>(bytes[i]);
      }
    }
    // The rate of this suite's own files beats any fixed guess: it knows whether they are
    // unit tests or browser tests.
    double rate = known_bytes > 0 && known_seconds > 0 ? known_seconds / known_bytes
                                                       : kDefaultSecondsPerByte;
    for (std::size_t i = 0; i < files.size(); ++i) {
      if (!known[i]) keys[i].first = static_cast<double>(bytes[i]) * rate;
    }
  }
  // Longest first, ties by path: the sort is stable, so sorted input (in path order) has its
  // ties in path order already; other input has each run of ties sorted by path after.
  radix_sort_by(keys, [](const auto& key) { return ~ascending_key(key.first); });
  for (auto run = keys.begin(); !sorted && run != keys.end();) {
    auto tied = std::find_if(run, keys.end(), [&](const auto& k) { return k.first != run->first; });
    std::sort(run, tied, [&](const auto& a, const auto& b) { return files[a.second] < files[b.second]; });
    run = tied;
  }
  std::vector<PlannedFile> planned;
  // Room for the parts split_slow_files adds: without it, adding a few would move every entry
  // to a bigger vector. Room never written costs no memory.
  planned.reserve(files.size() + files.size() / 16 + 64);
  // In that order the paths are read at random places, a cache miss each for a million files:
  // each is asked for some entries ahead, so that the misses overlap.
  constexpr std::size_t kAhead = 16;
  for (std::size_t k = 0; k < keys.size(); ++k) {
    if (k + kAhead < keys.size()) __builtin_prefetch(&files[keys[k + kAhead].second]);
    const auto& [seconds, i] = keys[k];
    PlannedFile& entry = planned.emplace_back();
    entry.path = files[i];
    entry.bytes = all_known ? 0 : bytes[i];
    entry.expected_seconds = seconds;
    entry.from_history = known[i];
  }
  return planned;
}

double lower_bound(const std::vector<double>& durations, int runners) {
  if (runners < 1) runners = 1;
  double longest = 0;
  double total = 0;
  for (double d : durations) {
    longest = std::max(longest, d);
    total += d;
  }
  return std::max(longest, total / runners);
}

double predicted_makespan(const std::vector<PlannedFile>& files, int runners) {
  if (runners < 1) runners = 1;
  // Min-heap of the times at which each runner becomes free.
  std::priority_queue<double, std::vector<double>, std::greater<double>> free_at;
  for (int i = 0; i < runners; ++i) free_at.push(0);
  double makespan = 0;
  for (const PlannedFile& file : files) {
    double finish = free_at.top() + file.expected_seconds;
    free_at.pop();
    free_at.push(finish);
    makespan = std::max(makespan, finish);
  }
  return makespan;
}

}  // namespace dt

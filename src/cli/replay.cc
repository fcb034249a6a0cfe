// `distributest replay RUNNER` and `distributest bisect FILE`: re-run one runner's last-run
// order locally, and search that order for the files that make a given file fail.
//
// Both run through run_tests() without recording: the timing store (durations, the last run's
// order) and the last failures stay those of the run being investigated.
#include <filesystem>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "cli/cli.h"
#include "cli/subcommands.h"
#include "config/config.h"
#include "schedule/timing_store.h"
#include "transport/remote_command.h"

namespace dt {

namespace fs = std::filesystem;

namespace {

// Most probe runs bisect makes while minimising (the two checks before it are extra).
constexpr int kMaxProbes = 30;

// The last run's order per runner, from the timing store the project's config names.
// Returns false (after printing why) when the config cannot be read.
bool load_last_run(const std::string& project_dir, const std::string& config_file,
                   std::map<std::string, std::vector<std::string>>& last_run) {
  Config config;
  if (auto error = load_config_layers(project_dir, config_file, config)) {
    std::cerr << error->message << "\n";
    return false;
  }
  std::string path = (fs::path(project_dir) / config.timings_file.value).string();
  std::string warning;
  TimingStore store = TimingStore::load(path, &warning);
  if (!warning.empty()) std::cerr << "distributest: warning: " << warning << "\n";
  last_run = store.last_run();
  return true;
}

std::string recorded_ids(const std::map<std::string, std::vector<std::string>>& last_run) {
  if (last_run.empty()) return " (none: run the suite first)";
  std::string ids;
  for (const auto& [id, files] : last_run) ids += " " + id;
  return ids;
}

// "./t/a.sh", "t//a.sh" -> "t/a.sh", as the timing store records paths.
std::string normalized(const std::string& file) {
  std::string s = fs::path(file).lexically_normal().string();
  while (s.rfind("./", 0) == 0) s.erase(0, 2);
  return s;
}

CliOptions probe_options(const std::string& config_file, std::vector<std::string> files,
                         bool quiet) {
  CliOptions o;
  o.config_file = config_file;
  o.runners.emplace("1");  // not `= "1"`: GCC 12 at -O3 warns -Wrestrict inside the assignment
  o.local = true;
  o.in_order = true;
  o.quiet = quiet;
  o.record = false;
  // A probe answers "does FILE fail after these files?": stopping early or passing FILE on a
  // rerun (fail_fast, retry from the config) would answer a different question.
  o.fail_fast = 0;
  o.retry = 0;
  o.files = std::move(files);
  return o;
}

bool is_failure(FileStatus status) {
  return status == FileStatus::kFailed || status == FileStatus::kError ||
         status == FileStatus::kTimeout;
}

// One probe of bisect: runs `before` + [file] quietly on one local runner, in order.
class Prober {
 public:
  Prober(std::string project_dir, std::string config_file, std::string file)
      : project_dir_(std::move(project_dir)),
        config_file_(std::move(config_file)),
        file_(std::move(file)) {}

  // Whether `file` failed after `before`. A run that could not happen at all (usage error,
  // cannot run, interrupted) sets `abort_code` and counts as "no".
  bool fails(const std::vector<std::string>& before) {
    ++runs_;
    std::vector<std::string> files = before;
    files.push_back(file_);
    RunResult result;
    int code = run_tests(probe_options(config_file_, files, true), project_dir_, &result);
    if (code != kExitPassed && code != kExitFailed) {
      abort_code = code;
      return false;
    }
    for (const FileResult& f : result.files) {
      if (normalized(f.path) == file_ && is_failure(f.status)) return true;
    }
    return false;
  }

  int runs() const { return runs_; }
  int abort_code = 0;

 private:
  std::string project_dir_;
  std::string config_file_;
  std::string file_;
  int runs_ = 0;
};

std::string join_quoted(const std::vector<std::string>& files) {
  std::string out;
  for (const std::string& f : files) {
    out += ' ';  // two appends: GCC 12 at -O3 warns -Wrestrict on `" " + shell_quote(f)`
    out += shell_quote(f);
  }
  return out;
}

}  // namespace

int replay_runner(const std::string& project_dir, const std::string& config_file,
                  const std::string& runner) {
  std::map<std::string, std::vector<std::string>> last_run;
  if (!load_last_run(project_dir, config_file, last_run)) return kExitUsage;

  std::map<std::string, std::vector<std::string>>::const_iterator found = last_run.find(runner);
  if (found == last_run.end()) {
    std::vector<std::map<std::string, std::vector<std::string>>::const_iterator> matches;
    for (auto it = last_run.cbegin(); it != last_run.cend(); ++it) {
      const std::string& id = it->first;
      if (id.size() > runner.size() && id.compare(id.size() - runner.size(), runner.size(),
                                                  runner) == 0 &&
          id[id.size() - runner.size() - 1] == '_') {
        matches.push_back(it);
      }
    }
    if (matches.size() != 1) {
      std::cerr << "distributest: " << (matches.empty() ? "no runner" : "more than one runner")
                << " in the last run matches '" << runner
                << "'; the recorded runners are:" << recorded_ids(last_run) << "\n";
      return kExitUsage;
    }
    found = matches.front();
  }
  const auto& [id, files] = *found;
  if (files.empty()) {
    std::cerr << "distributest: runner " << id << " ran no files in the last run\n";
    return kExitUsage;
  }
  std::cout << "distributest: replaying " << id << ": " << files.size()
            << " files in their order" << std::endl;
  // Records this replay as the last run in the timing store, as any run does.
  return run_tests(probe_options(config_file, files, false), project_dir);
}

int bisect_file(const std::string& project_dir, const std::string& config_file,
                const std::string& file_arg) {
  std::map<std::string, std::vector<std::string>> last_run;
  if (!load_last_run(project_dir, config_file, last_run)) return kExitUsage;
  const std::string file = normalized(file_arg);

  std::string runner;
  std::vector<std::string> candidates;
  for (const auto& [id, files] : last_run) {
    for (std::size_t i = 0; i < files.size(); ++i) {
      if (normalized(files[i]) != file) continue;
      runner = id;
      for (std::size_t j = 0; j < i; ++j) candidates.push_back(normalized(files[j]));
      break;
    }
    if (!runner.empty()) break;
  }
  if (runner.empty()) {
    std::cerr << "distributest: " << file << " is not in the last run's order (runners:"
              << recorded_ids(last_run) << ")\n";
    return kExitUsage;
  }
  std::cout << "bisect: " << file << " ran on " << runner << " after " << candidates.size()
            << " files" << std::endl;

  Prober probe(project_dir, config_file, file);
  std::cout << "bisect: running " << file << " on its own ..." << std::endl;
  bool alone = probe.fails({});
  if (probe.abort_code) return probe.abort_code;
  if (alone) {
    std::cout << "bisect: " << file << " fails on its own: not an order problem (run it alone: "
              << "distributest -n 1 --local " << shell_quote(file) << ")" << std::endl;
    return kExitFailed;
  }
  std::cout << "bisect: running " << file << " after all " << candidates.size()
            << " files, in their order ..." << std::endl;
  bool all = probe.fails(candidates);
  if (probe.abort_code) return probe.abort_code;
  if (!all) {
    std::cout << "bisect: " << file << " passed after the " << candidates.size()
              << " files " << runner
              << " ran before it: the failure did not reproduce in that order (flaky, or it "
                 "depends on something other than these files)"
              << std::endl;
    return kExitFailed;
  }

  // Halve while one half alone still makes it fail (one culprit, or culprits on one side) ...
  std::vector<std::string> current = candidates;
  bool capped = false;
  while (current.size() > 1) {
    if (probe.runs() >= kMaxProbes + 2) {
      capped = true;
      break;
    }
    std::size_t mid = current.size() / 2;
    std::vector<std::string> first(current.begin(), current.begin() + mid);
    std::vector<std::string> second(current.begin() + mid, current.end());
    bool narrowed = false;
    for (std::vector<std::string>* half : {&first, &second}) {
      std::cout << "bisect: " << current.size() << " candidates, testing " << half->size()
                << " ..." << std::endl;
      if (probe.fails(*half)) {
        current = std::move(*half);
        narrowed = true;
        break;
      }
      if (probe.abort_code) return probe.abort_code;
    }
    if (!narrowed) break;  // it takes files from both halves
  }
  // ... then drop one file at a time while it still fails (a 1-minimal set when not capped).
  // A single remaining file needs no check: the file passed on its own.
  for (std::size_t i = 0; current.size() > 1 && i < current.size();) {
    if (probe.runs() >= kMaxProbes + 2) {
      capped = true;
      break;
    }
    std::vector<std::string> without = current;
    without.erase(without.begin() + static_cast<std::ptrdiff_t>(i));
    std::cout << "bisect: " << current.size() << " candidates, testing without " << current[i]
              << " ..." << std::endl;
    if (probe.fails(without)) {
      current = std::move(without);
    } else {
      if (probe.abort_code) return probe.abort_code;
      ++i;
    }
  }

  std::cout << "bisect: " << file << " fails after " << current.size()
            << (current.size() == 1 ? " file" : " files") << " (" << probe.runs() << " runs"
            << (capped ? "; stopped at the run limit, so the set may not be minimal" : "")
            << "):\n";
  for (const std::string& f : current) std::cout << "  " << f << "\n";
  std::vector<std::string> repro = current;
  repro.push_back(file);
  std::string config_arg = config_file.empty() ? "" : " -c " + shell_quote(config_file);
  std::cout << "reproduce with:\n  distributest" << config_arg << " -n 1 --local --retry 0 --in-order"
            << join_quoted(repro) << std::endl;
  return kExitPassed;
}

}  // namespace dt

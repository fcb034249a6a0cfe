// `distributest replay RUNNER` and `distributest bisect FILE`: re-run one runner's last-run
// order locally, and search that order for the files that make a given file fail.
//
// Both run through run_tests() without recording: the timing store (durations, the last run's
// order) and the last failures stay those of the run being investigated.
#include <algorithm>
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
                   std::map<std::string, std::vector<WorkItem>>& last_run) {
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

std::string recorded_ids(const std::map<std::string, std::vector<WorkItem>>& last_run) {
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

CliOptions probe_options(const std::string& config_file, std::vector<WorkItem> work,
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
  for (const WorkItem& item : work) o.files.push_back(item.path);
  o.work = std::move(work);  // parts of split files as they ran, not whole files
  return o;
}

bool is_failure(FileStatus status) {
  return status == FileStatus::kFailed || status == FileStatus::kError ||
         status == FileStatus::kTimeout;
}

// One probe of bisect: runs `before` + [file] quietly on one local runner, in order.
class Prober {
 public:
  Prober(std::string project_dir, std::string config_file, WorkItem item)
      : project_dir_(std::move(project_dir)),
        config_file_(std::move(config_file)),
        item_(std::move(item)) {}

  // Whether `file` failed after `before`. A run that could not happen at all (usage error,
  // cannot run, interrupted) sets `abort_code` and counts as "no".
  bool fails(const std::vector<WorkItem>& before) {
    ++runs_;
    std::vector<WorkItem> work = before;
    work.push_back(item_);
    RunResult result;
    int code = run_tests(probe_options(config_file_, work, true), project_dir_, &result);
    if (code != kExitPassed && code != kExitFailed) {
      abort_code = code;
      return false;
    }
    // The item is the last one run: a part of its file that ran earlier in `before` must not
    // answer for it.
    for (const FileResult& f : result.files) {
      if (normalized(f.path) != item_.path) continue;
      if (f.parts().empty()) return is_failure(f.status);
      return is_failure(f.parts().back().status);
    }
    return false;
  }

  int runs() const { return runs_; }
  int abort_code = 0;

 private:
  std::string project_dir_;
  std::string config_file_;
  WorkItem item_;
  int runs_ = 0;
};

std::string join_quoted(const std::vector<WorkItem>& work) {
  std::string out;
  for (const WorkItem& item : work) {
    out += ' ';  // two appends: GCC 12 at -O3 warns -Wrestrict on `" " + shell_quote(f)`
    out += shell_quote(item.path);
  }
  return out;
}

std::string label(const WorkItem& item) { return work_label(item.path, item.selection); }

}  // namespace

int replay_runner(const std::string& project_dir, const std::string& config_file,
                  const std::string& runner) {
  std::map<std::string, std::vector<WorkItem>> last_run;
  if (!load_last_run(project_dir, config_file, last_run)) return kExitUsage;

  std::map<std::string, std::vector<WorkItem>>::const_iterator found = last_run.find(runner);
  if (found == last_run.end()) {
    std::vector<std::map<std::string, std::vector<WorkItem>>::const_iterator> matches;
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
  auto parts = std::count_if(files.begin(), files.end(),
                             [](const WorkItem& item) { return !item.selection.whole(); });
  std::cout << "distributest: replaying " << id << ": " << files.size()
            << (parts ? " work items" : " files") << " in their order";
  if (parts) std::cout << " (" << parts << " of them parts of split files, run as they ran)";
  std::cout << std::endl;
  // Records this replay as the last run in the timing store, as any run does.
  return run_tests(probe_options(config_file, files, false), project_dir);
}

int bisect_file(const std::string& project_dir, const std::string& config_file,
                const std::string& file_arg) {
  std::map<std::string, std::vector<WorkItem>> last_run;
  if (!load_last_run(project_dir, config_file, last_run)) return kExitUsage;
  const std::string file = normalized(file_arg);

  // The first item of FILE in the last run: for a split file, its first part found (the store
  // keeps no per-part outcome).
  std::string runner;
  WorkItem target;
  std::vector<WorkItem> candidates;
  for (const auto& [id, items] : last_run) {
    for (std::size_t i = 0; i < items.size(); ++i) {
      if (normalized(items[i].path) != file) continue;
      runner = id;
      target = items[i];
      target.path = file;
      for (std::size_t j = 0; j < i; ++j) {
        candidates.push_back(items[j]);
        candidates.back().path = normalized(items[j].path);
      }
      break;
    }
    if (!runner.empty()) break;
  }
  if (runner.empty()) {
    std::cerr << "distributest: " << file << " is not in the last run's order (runners:"
              << recorded_ids(last_run) << ")\n";
    return kExitUsage;
  }
  std::cout << "bisect: " << label(target) << " ran on " << runner << " after " << candidates.size()
            << " files" << std::endl;

  Prober probe(project_dir, config_file, target);
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
  std::vector<WorkItem> current = candidates;
  bool capped = false;
  while (current.size() > 1) {
    if (probe.runs() >= kMaxProbes + 2) {
      capped = true;
      break;
    }
    std::size_t mid = current.size() / 2;
    std::vector<WorkItem> first(current.begin(), current.begin() + mid);
    std::vector<WorkItem> second(current.begin() + mid, current.end());
    bool narrowed = false;
    for (std::vector<WorkItem>* half : {&first, &second}) {
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
    std::vector<WorkItem> without = current;
    without.erase(without.begin() + static_cast<std::ptrdiff_t>(i));
    std::cout << "bisect: " << current.size() << " candidates, testing without " << label(current[i])
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
  bool parts = !target.selection.whole();
  for (const WorkItem& item : current) {
    std::cout << "  " << label(item) << "\n";
    parts |= !item.selection.whole();
  }
  std::vector<WorkItem> repro = current;
  repro.push_back(target);
  std::string config_arg = config_file.empty() ? "" : " -c " + shell_quote(config_file);
  std::cout << "reproduce with:\n  distributest" << config_arg << " -n 1 --local --retry 0 --in-order"
            << join_quoted(repro) << std::endl;
  if (parts) {
    std::cout << "  (that command runs whole files; the probes ran the parts shown, as the "
                 "last run did)" << std::endl;
  }
  return kExitPassed;
}

}  // namespace dt

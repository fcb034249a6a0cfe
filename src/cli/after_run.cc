#include "cli/after_run.h"

#include <filesystem>

#include "report/html_report.h"
#include "report/json_report.h"
#include "report/junit_report.h"
#include "report/status.h"
#include "sync/artifacts.h"
#include "transport/transport.h"

namespace dt {

namespace fs = std::filesystem;

void update_timings(TimingStore& store, const RunResult& result, const std::string& project_dir,
                    const std::string& path, Status& status) {
  store.record_run(result);
  store.prune([&](const std::string& file) {
    std::error_code ec;
    return fs::exists(fs::path(project_dir) / file, ec);
  });
  if (std::string error = store.save(path); !error.empty()) {
    status.event(Status::Level::kWarning, "cannot save the timing store: " + error);
  }
}

void report_suite_drift(const TimingStore& store, RunResult& result, Status& status) {
  result.drift = find_suite_drift(store, result);
  for (const SuiteDrift& d : result.drift) {
    status.event(Status::Level::kWarning, describe_drift(d));
  }
}

void bring_back_artifacts(Transport& transport, Status& status, const Config& config,
                          const std::vector<NodeSlot>& nodes, const std::string& project_dir,
                          RunResult& result) {
  if (config.artifacts.value.empty() || result.interrupted) return;
  std::vector<ArtifactSource> sources;
  for (const NodeSlot& node : nodes) {
    if (!node.remote_dir.empty()) sources.push_back({node.name, node.remote_dir});
  }
  if (sources.empty()) return;
  result.artifacts = fetch_artifacts(transport, status, sources, config.artifacts.value, project_dir);
  int files = 0;
  for (const ArtifactFetch& fetch : result.artifacts) files += fetch.files;
  status.event(Status::Level::kInfo, "artifacts: " + std::to_string(files) + " file(s) from " +
                                         std::to_string(sources.size()) + " node(s) in " +
                                         artifacts_dir(project_dir));
}

int exit_code_for(const RunResult& result, const Config& config) {
  if (result.interrupted) return kExitInterrupted;
  bool any_ran = false;
  for (const FileResult& f : result.files) any_ran |= f.status != FileStatus::kNotRun;
  bool any_runner = false;
  for (const RunnerResult& r : result.runners) any_runner |= r.status == "ok";
  if (!any_ran && !any_runner && !result.files.empty()) return kExitCannotRun;
  const RunSummary& s = result.summary;
  if (s.failures > 0 || s.errors > 0 || result.fail_fast_triggered) return kExitFailed;
  for (const FileResult& f : result.files) {
    if (f.status != FileStatus::kPassed && f.status != FileStatus::kNotRun) return kExitFailed;
  }
  // Files that never ran (every runner lost) are not a pass.
  if (s.not_run > 0) return kExitCannotRun;
  // Flaky files passed in the end; whether that is a pass is the team's call ([flaky]).
  if (s.flaky > 0 && config.flaky.value == "fail") return kExitFailed;
  return kExitPassed;
}

void write_reports(const CliOptions& options, const RunResult& result, Status& status) {
  if (!options.json_file.empty()) {
    if (std::string error = write_json_report(result, options.json_file); !error.empty()) {
      status.event(Status::Level::kError, error);
    }
  }
  if (!options.html_file.empty()) {
    if (std::string error = write_html_report(result, options.html_file); !error.empty()) {
      status.event(Status::Level::kError, error);
    }
  }
  if (!options.junit_file.empty()) {
    if (std::string error = write_junit_report(result, options.junit_file); !error.empty()) {
      status.event(Status::Level::kError, error);
    }
  }
}

}  // namespace dt

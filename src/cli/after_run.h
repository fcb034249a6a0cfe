// What a run does once its runners have ended, before it exits: files back from the nodes,
// the suite drift warning, the reports, the timing store, and the exit status. Internal to the
// cli module.
#pragma once

#include <string>
#include <vector>

#include "cli/cli.h"
#include "config/config.h"
#include "report/result.h"
#include "schedule/engine.h"
#include "schedule/timing_store.h"

namespace dt {

class Status;
class Transport;

// [artifacts] paths from every remote node still connected, whatever the run's outcome (a
// failed run's screenshots matter most); the local node's runners wrote them in the project
// already. Not after an interrupt: the user asked to stop.
void bring_back_artifacts(Transport& transport, Status& status, const Config& config,
                          const std::vector<NodeSlot>& nodes, const std::string& project_dir,
                          RunResult& result);

// Before the reports, so the JSON carries it; printed after the run's summary.
void report_suite_drift(const TimingStore& store, RunResult& result, Status& status);

// The JSON, HTML and JUnit reports the command line asked for; a failure to write one is an
// error event, not the end of the run.
void write_reports(const CliOptions& options, const RunResult& result, Status& status);

// Adds the run to the timing store, forgets files that are gone, and saves it at `path`.
void update_timings(TimingStore& store, const RunResult& result, const std::string& project_dir,
                    const std::string& path, Status& status);

// The exit status of a finished run (kExit* in cli.h).
int exit_code_for(const RunResult& result, const Config& config);

}  // namespace dt

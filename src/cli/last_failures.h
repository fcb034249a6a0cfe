// .distributest/last-failures: the files that did not pass in the last run, for
// --only-failures. Internal to the cli module.
#pragma once

#include <string>
#include <vector>

#include "report/result.h"

namespace dt {

class Status;

// Beside the timing store, one path per line (paths never hold newlines).
std::string failures_path(const std::string& timings_path);

// Writes the failed, errored and timed-out files of `result`; a failure to write is a warning.
void save_failures(const RunResult& result, const std::string& path, Status& status);

// The last run's failed files that still exist; warns about the others.
std::vector<std::string> last_failures(const std::string& path, const std::string& project_dir);

}  // namespace dt

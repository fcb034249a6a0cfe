// The machine-readable report of a run (--json FILE). Its schema, version and stability
// promise are in docs/json-report.md.
#pragma once

#include <string>

#include "report/result.h"

namespace dt {

inline constexpr int kJsonReportVersion = 1;

// The report as a JSON document (valid UTF-8 whatever the tests printed), ending in a newline.
std::string json_report(const RunResult& result);

// Writes json_report(result) to `path`. Returns "" or the error in words.
std::string write_json_report(const RunResult& result, const std::string& path);

}  // namespace dt

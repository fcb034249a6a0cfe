// The report of a run as one self-contained HTML page (--html FILE): the summary, a timeline of
// every file on every runner (grouped by node), and the failures with their output. No network
// or external assets; the data is embedded as JSON and drawn by a small inline script.
#pragma once

#include <string>

#include "report/result.h"

namespace dt {

// The page. Valid UTF-8 whatever the tests printed; test output cannot escape its <script>.
std::string html_report(const RunResult& result);

// Writes html_report(result) to `path`. Returns "" or the error in words.
std::string write_html_report(const RunResult& result, const std::string& path);

}  // namespace dt

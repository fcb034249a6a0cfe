// The report a person reads when a run is over: each failed example (where, message, the head
// of its backtrace), files that failed without per-example details, crashed or timed out (with
// the end of their output), files that were flaky, then the totals and the wall time against
// the ideal. StatusPrinter::run_finished prints it; the live lines are status_printer.cc's.
#pragma once

#include <string>

#include "report/result.h"

namespace dt {

struct FinalReportStyle {
  bool color = false;
  double elapsed_seconds = 0;  // the wall time to show when the result has none
};

struct FinalReport {
  std::string text;      // for the console: whole lines, each ending in '\n'
  std::string log_line;  // the totals and "Finished in ...", for the run log
};

FinalReport final_report(const RunResult& result, const FinalReportStyle& style);

}  // namespace dt

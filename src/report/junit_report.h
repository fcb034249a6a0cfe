// The JUnit XML report of a run (--junit FILE), in the dialect Jenkins and GitLab read: one
// <testsuite> per test file, one <testcase> per example. Whatever bytes the tests printed,
// the document is well-formed XML 1.0 in UTF-8.
#pragma once

#include <string>

#include "report/result.h"

namespace dt {

std::string junit_report(const RunResult& result);

// Writes junit_report(result) to `path`. Returns "" or the error in words.
std::string write_junit_report(const RunResult& result, const std::string& path);

}  // namespace dt

#include "report/junit_report.h"

#include <cstdio>
#include <string_view>
#include <vector>

#include "report/text_util.h"

namespace dt {

namespace {

constexpr std::size_t kOutputTailLines = 20;


std::string attr(std::string_view name, std::string_view value) {
  // Appended piece by piece: GCC 12 at -O3 warns -Wrestrict on `" " + std::string(name) + ...`.
  std::string out = " ";
  out += name;
  out += "=\"";
  out += markup_escape(value, true);
  out += '"';
  return out;
}

std::string attr(std::string_view name, int value) { return attr(name, std::to_string(value)); }

std::string seconds(double value) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", value < 0 ? 0.0 : value);
  return buf;
}

// "spec/models/user_spec.rb" -> "spec.models.user_spec": Jenkins groups by dotted class names.
std::string classname(const std::string& path) {
  std::string name = path;
  std::size_t slash = name.rfind('/');
  std::size_t dot = name.rfind('.');
  if (dot != std::string::npos && dot > (slash == std::string::npos ? 0 : slash + 1))
    name.resize(dot);
  for (char& c : name)
    if (c == '/') c = '.';
  return name;
}

struct Testcase {
  std::string name;
  double time = 0;
  std::string kind;  // "", "failure", "error" or "skipped"
  std::string type;  // the type attribute of the failure/error element
  std::string message;
  std::string body;
  std::string system_out;
};

std::vector<Testcase> testcases(const FileResult& f) {
  std::vector<Testcase> cases;
  bool failed_case = false;
  for (const CaseResult& c : f.cases()) {
    Testcase t;
    t.name = c.name.empty() ? c.location : c.name;
    t.time = c.duration_seconds;
    if (c.status == "failed" || c.status == "error") {
      failed_case = true;
      t.kind = c.status == "failed" ? "failure" : "error";
      t.type = c.status;
      t.message = c.message;
      t.body = c.backtrace.empty() ? c.message : c.message + "\n\n" + c.backtrace;
    } else if (c.status == "pending" || c.status == "skipped") {
      t.kind = "skipped";
      t.message = c.message;
    }
    cases.push_back(std::move(t));
  }
  // Whatever went wrong outside the examples needs a testcase of its own, or CI would show
  // a crashed or timed-out file as green (or not at all).
  Testcase whole;
  whole.name = f.path;
  whole.time = f.cases().empty() ? f.duration_seconds : 0.0;
  std::string tail(tail_lines(f.output(), kOutputTailLines));
  std::string details = f.error().empty() ? tail : f.error() + "\n\n" + tail;
  if (f.status == FileStatus::kError || f.status == FileStatus::kTimeout) {
    whole.kind = "error";
    whole.type = to_string(f.status);
    whole.message = f.error().empty() ? std::string(to_string(f.status)) : f.error();
    whole.body = f.error();
    whole.system_out = details;
  } else if (f.status == FileStatus::kFailed && !failed_case) {
    whole.kind = "failure";
    whole.type = "failed";
    whole.message = f.error().empty() ? "the file failed (" + std::to_string(f.failures) +
                                          " failures reported, no details)"
                                    : f.error();
    whole.system_out = details;
  } else if (!f.cases().empty()) {
    return cases;
  } else if (f.status == FileStatus::kNotRun) {
    whole.kind = "skipped";
    whole.message = "not run";
  }
  cases.push_back(std::move(whole));
  return cases;
}

}  // namespace

std::string junit_report(const RunResult& result) {
  std::string suites;
  int tests = 0, failures = 0, errors = 0, skipped = 0;
  double time = 0;
  for (const FileResult& f : result.files) {
    std::vector<Testcase> cases = testcases(f);
    int suite_failures = 0, suite_errors = 0, suite_skipped = 0;
    std::string body;
    for (const Testcase& t : cases) {
      body += "    <testcase" + attr("name", t.name) + attr("classname", classname(f.path)) +
              attr("file", f.path) + attr("time", seconds(t.time));
      if (t.kind.empty() && t.system_out.empty()) {
        body += "/>\n";
        continue;
      }
      body += ">\n";
      if (t.kind == "skipped") {
        ++suite_skipped;
        body += "      <skipped" + (t.message.empty() ? "" : attr("message", t.message)) + "/>\n";
      } else if (!t.kind.empty()) {
        ++(t.kind == "failure" ? suite_failures : suite_errors);
        body += "      <" + t.kind + attr("message", first_line(t.message)) + attr("type", t.type) +
                ">" + markup_escape(t.body, false) + "</" + t.kind + ">\n";
      }
      if (!t.system_out.empty())
        body += "      <system-out>" + markup_escape(t.system_out, false) + "</system-out>\n";
      body += "    </testcase>\n";
    }
    suites += "  <testsuite" + attr("name", f.path) + attr("file", f.path) +
              attr("tests", static_cast<int>(cases.size())) + attr("failures", suite_failures) +
              attr("errors", suite_errors) + attr("skipped", suite_skipped) +
              attr("time", seconds(f.duration_seconds)) + attr("hostname", f.node.str()) + ">\n";
    // Where the file ran, for hunting order-dependent and machine-dependent failures.
    suites += "    <properties>\n";
    suites += "      <property" + attr("name", "runner") + attr("value", f.runner.str()) + "/>\n";
    suites += "      <property" + attr("name", "attempts") + attr("value", f.attempts) + "/>\n";
    // CI servers show properties next to the suite: a flaky pass or a requeue stays visible
    // there, not only in the JSON.
    if (f.flaky) suites += "      <property" + attr("name", "flaky") + attr("value", "true") + "/>\n";
    // A split file is still one suite, with every part's cases; where each part ran is what
    // a hunt for an order-dependent failure needs.
    if (!f.parts().empty()) {
      suites += "      <property" + attr("name", "parts") +
                attr("value", static_cast<int>(f.parts().size())) + "/>\n";
    }
    for (const FileResult& p : f.parts()) {
      std::string what = std::to_string(p.selection.part) + "/" +
                         std::to_string(p.selection.parts) + " " + to_string(p.status) + " on " +
                         p.runner + " (" + p.node + ") in " + seconds(p.duration_seconds) +
                         "s from " + seconds(p.started_seconds) + "s";
      suites += "      <property" + attr("name", "part") + attr("value", what) + "/>\n";
    }
    for (const AttemptResult& a : f.earlier_attempts()) {
      std::string what = a.outcome + " on " + a.runner + " (" + a.node + ") after " +
                         seconds(a.duration_seconds) + "s" + (a.why.empty() ? "" : ": " + a.why);
      suites += "      <property" + attr("name", "earlier_attempt") + attr("value", what) + "/>\n";
    }
    suites += "    </properties>\n";
    suites += body + "  </testsuite>\n";
    tests += static_cast<int>(cases.size());
    failures += suite_failures;
    errors += suite_errors;
    skipped += suite_skipped;
    time += f.duration_seconds;
  }
  double wall = result.summary.wall_seconds > 0 ? result.summary.wall_seconds : time;
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites" + attr("name", "distributest") +
         attr("tests", tests) + attr("failures", failures) + attr("errors", errors) +
         attr("skipped", skipped) + attr("time", seconds(wall)) + ">\n" + suites +
         "</testsuites>\n";
}

std::string write_junit_report(const RunResult& result, const std::string& path) {
  return write_text_file(path, junit_report(result));
}

}  // namespace dt

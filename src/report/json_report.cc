#include "report/json_report.h"

#include <nlohmann/json.hpp>

#include "report/text_util.h"

namespace dt {

namespace {

// Ordered, so "version" comes first and a person reads summary before the details.
using json = nlohmann::ordered_json;

json case_json(const CaseResult& c) {
  json out = {{"name", c.name},       {"location", c.location},
              {"status", c.status},   {"duration_seconds", c.duration_seconds},
              {"message", c.message}, {"backtrace", c.backtrace}};
  // Only frameworks that can run a file in parts name their examples.
  if (!c.id.empty()) out["id"] = c.id;
  return out;
}

// A split file's part: where and how it ran. Its cases and output are in the file's.
json part_json(const FileResult& p) {
  return {{"part", p.selection.part},
          {"parts", p.selection.parts},
          {"status", to_string(p.status)},
          {"node", p.node},
          {"runner", p.runner},
          {"started_seconds", p.started_seconds},
          {"duration_seconds", p.duration_seconds},
          {"attempts", p.attempts},
          {"examples", p.examples},
          {"failure_count", p.failures},
          {"pending", p.pending},
          {"errors", p.errors},
          {"error", p.error()}};
}

json attempts_json(const std::vector<AttemptResult>& attempts) {
  json out = json::array();
  for (const AttemptResult& a : attempts)
    out.push_back({{"node", a.node},
                   {"runner", a.runner},
                   {"started_seconds", a.started_seconds},
                   {"duration_seconds", a.duration_seconds},
                   {"outcome", a.outcome},
                   {"why", a.why}});
  return out;
}

// null for a node that was not lost: a number there would be a time.
json lost_seconds_json(double lost_seconds) {
  return lost_seconds < 0 ? json(nullptr) : json(lost_seconds);
}

json file_json(const FileResult& f) {
  json cases = json::array();
  json failures = json::array();
  for (const CaseResult& c : f.cases()) {
    cases.push_back(case_json(c));
    if (c.status == "failed" || c.status == "error")
      failures.push_back({{"name", c.name},
                          {"location", c.location},
                          {"message", c.message},
                          {"backtrace", c.backtrace}});
  }
  json parts = json::array();
  for (const FileResult& p : f.parts()) parts.push_back(part_json(p));
  return {{"path", f.path},
          {"status", to_string(f.status)},
          {"duration_seconds", f.duration_seconds},
          {"started_seconds", f.started_seconds},
          {"node", f.node},
          {"runner", f.runner},
          {"attempts", f.attempts},
          {"flaky", f.flaky},
          {"examples", f.examples},
          {"failure_count", f.failures},
          {"pending", f.pending},
          {"errors", f.errors},
          {"failures", std::move(failures)},
          {"cases", std::move(cases)},
          {"output", f.output()},
          {"error", f.error()},
          {"earlier_attempts", attempts_json(f.earlier_attempts())},
          {"parts", std::move(parts)}};
}

}  // namespace

std::string json_report(const RunResult& result) {
  const RunSummary& s = result.summary;
  json report;
  report["version"] = kJsonReportVersion;
  report["summary"] = {{"files", s.files},
                       {"examples", s.examples},
                       {"failures", s.failures},
                       {"pending", s.pending},
                       {"errors", s.errors},
                       {"not_run", s.not_run},
                       {"flaky", s.flaky},
                       {"wall_seconds", s.wall_seconds},
                       {"lower_bound_seconds", s.lower_bound_seconds},
                       {"interrupted", result.interrupted},
                       {"fail_fast_triggered", result.fail_fast_triggered}};
  json files = json::array();
  for (const FileResult& f : result.files) files.push_back(file_json(f));
  report["files"] = std::move(files);
  json runners = json::array();
  for (const RunnerResult& r : result.runners) {
    json teardowns = json::array();
    for (const TeardownSpan& t : r.teardowns) {
      teardowns.push_back({{"started_seconds", t.started_seconds},
                           {"duration_seconds", t.duration_seconds}});
    }
    json work = json::array();
    for (const WorkItem& item : r.work) work.push_back(work_label(item.path, item.selection));
    runners.push_back({{"id", r.id},
                       {"node", r.node},
                       {"index", r.index},
                       {"status", r.status},
                       {"files", std::move(work)},
                       {"teardowns", std::move(teardowns)}});
  }
  report["runners"] = std::move(runners);
  json nodes = json::array();
  for (const NodeResult& n : result.nodes)
    nodes.push_back({{"name", n.name},
                     {"host", n.host},
                     {"status", n.status},
                     {"remote_dir", n.remote_dir},
                     {"lost_seconds", lost_seconds_json(n.lost_seconds)}});
  report["nodes"] = std::move(nodes);
  json drift = json::array();
  for (const SuiteDrift& d : result.drift)
    drift.push_back({{"path", d.path},
                     {"examples", d.examples},
                     {"last_examples", d.last_examples},
                     {"nodes", d.nodes}});
  report["drift"] = std::move(drift);
  json artifacts = json::array();
  for (const ArtifactFetch& a : result.artifacts)
    artifacts.push_back({{"node", a.node}, {"dir", a.dir}, {"files", a.files}, {"error", a.error}});
  report["artifacts"] = std::move(artifacts);
  // Test output is arbitrary bytes; `replace` turns invalid UTF-8 into U+FFFD instead of
  // throwing, so a report is always written.
  return report.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

std::string write_json_report(const RunResult& result, const std::string& path) {
  return write_text_file(path, json_report(result));
}

}  // namespace dt

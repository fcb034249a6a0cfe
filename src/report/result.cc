#include "report/result.h"

#include <algorithm>
#include <cstddef>
#include <map>
#include <utility>

namespace dt {

const char* to_string(FileStatus status) {
  switch (status) {
    case FileStatus::kPassed:
      return "passed";
    case FileStatus::kFailed:
      return "failed";
    case FileStatus::kError:
      return "error";
    case FileStatus::kTimeout:
      return "timeout";
    case FileStatus::kNotRun:
      return "not run";
  }
  return "unknown";  // only for a value cast from an out-of-range integer
}

void summarize(RunResult& result, int runner_count) {
  RunSummary& s = result.summary;
  double wall = s.wall_seconds;  // the caller's, kept across a re-summarize
  s = RunSummary{};
  s.wall_seconds = wall;

  double longest = 0;
  double total = 0;
  for (const FileResult& f : result.files) {
    s.examples += f.examples;
    s.failures += f.failures;
    s.pending += f.pending;
    if (f.status == FileStatus::kNotRun) {
      ++s.not_run;
      continue;
    }
    ++s.files;
    if (f.flaky) ++s.flaky;
    if (f.status == FileStatus::kError || f.status == FileStatus::kTimeout) ++s.errors;
    total += f.duration_seconds;
    if (!f.parts().empty()) {
      ++s.split_files;
      s.parts += static_cast<int>(f.parts().size());
    }
    if (f.parts().empty()) longest = std::max(longest, f.duration_seconds);
    for (const FileResult& part : f.parts()) longest = std::max(longest, part.duration_seconds);
  }
  // No schedule beats the longest work item, nor perfect packing of all the work onto the
  // runners.
  s.lower_bound_seconds = std::max(longest, total / std::max(runner_count, 1));
}

namespace {

// Which status a merged file shows: the worst of its parts. A part that never ran leaves the
// file incomplete, worse than a pass, but a failure says more.
int severity(FileStatus status) {
  switch (status) {
    case FileStatus::kPassed: return 0;
    case FileStatus::kNotRun: return 1;
    case FileStatus::kFailed: return 2;
    case FileStatus::kTimeout: return 3;
    case FileStatus::kError: return 4;
  }
  return 4;
}

void append_text(std::string& into, const std::string& label, const std::string& text) {
  if (text.empty()) return;
  if (!into.empty() && into.back() != '\n') into += '\n';
  into += label + ": " + text;
}

FileResult merged(std::vector<FileResult> parts) {
  std::sort(parts.begin(), parts.end(), [](const FileResult& a, const FileResult& b) {
    return a.selection.part < b.selection.part;
  });
  FileResult file;
  file.path = parts.front().path;
  file.status = FileStatus::kPassed;
  file.started_seconds = parts.front().started_seconds;
  bool first = true;
  for (FileResult& part : parts) {
    if (severity(part.status) > severity(file.status)) file.status = part.status;
    if (part.status != FileStatus::kNotRun) {
      file.started_seconds = first ? part.started_seconds
                                   : std::min(file.started_seconds, part.started_seconds);
      if (first) {
        file.node = part.node;
        file.runner = part.runner;
      }
      first = false;
    }
    file.duration_seconds += part.duration_seconds;
    file.attempts = std::max(file.attempts, part.attempts);
    file.flaky = file.flaky || part.flaky;
    file.examples += part.examples;
    file.failures += part.failures;
    file.pending += part.pending;
    file.errors = std::max(file.errors, part.errors);
    std::string label = work_label(part.path, part.selection);
    for (CaseResult& c : part.cases()) file.cases().push_back(std::move(c));
    part.cases().clear();
    if (!part.output().empty()) {
      file.output() += part_output_header(part);
      file.output() += part.output();
      if (part.output().back() != '\n') file.output() += '\n';
      part.output().clear();
    }
    append_text(file.error(), label, part.error());
    for (const AttemptResult& a : part.earlier_attempts()) file.earlier_attempts().push_back(a);
  }
  // A flaky part that passed in the end leaves the file passed and flaky; one that failed
  // throughout leaves it failed, not flaky.
  if (file.status != FileStatus::kPassed) file.flaky = false;
  file.parts() = std::move(parts);
  return file;
}

}  // namespace

void merge_parts(RunResult& result) {
  // Each merged file takes the place of the first of its parts to finish, so completion order
  // is kept as far as it can be. The list is compacted where it is: a fleet's million results
  // are hundreds of MB, and a second list would double them.
  std::vector<FileResult>& files = result.files;
  std::map<std::string, std::pair<std::size_t, std::vector<FileResult>>> parts_of;
  std::size_t kept = 0;
  for (std::size_t i = 0; i < files.size(); ++i) {
    FileResult& f = files[i];
    if (f.selection.whole()) {
      if (kept != i) files[kept] = std::move(f);
      ++kept;
      continue;
    }
    auto [it, first] = parts_of.try_emplace(f.path, kept, std::vector<FileResult>{});
    it->second.second.push_back(std::move(f));
    if (first) ++kept;  // the merged file's place, filled below
  }
  files.erase(files.begin() + static_cast<std::ptrdiff_t>(kept), files.end());
  for (auto& [path, place] : parts_of) files[place.first] = merged(std::move(place.second));
}

std::string work_label(const std::string& path, const Selection& selection) {
  if (selection.whole()) return path;
  return path + " (part " + std::to_string(selection.part) + "/" +
         std::to_string(selection.parts) + ")";
}

std::string part_output_header(const FileResult& part) {
  return "--- " + work_label(part.path, part.selection) + " (" + part.node + ", " + part.runner +
         ")\n";
}

std::string_view part_output(const FileResult& file, std::size_t index) {
  if (index >= file.parts().size() || file.parts()[index].selection.whole()) return {};
  std::string_view output = file.output();
  // The sections are in part order: looking for each header after the one before keeps a
  // test's own "--- ..." line from being taken for a later part's header.
  std::size_t at = 0;
  for (std::size_t i = 0; i <= index; ++i) {
    std::size_t found = output.find(part_output_header(file.parts()[i]), at);
    if (found == std::string_view::npos) {
      if (i == index) return {};
      continue;  // that part printed nothing
    }
    at = found;
  }
  std::size_t end = output.size();
  std::size_t after = at + part_output_header(file.parts()[index]).size();
  for (std::size_t i = index + 1; i < file.parts().size(); ++i) {
    std::size_t next = output.find(part_output_header(file.parts()[i]), after);
    if (next != std::string_view::npos) {
      end = next;
      break;
    }
  }
  return output.substr(at, end - at);
}

const FileResult* part_of_case(const FileResult& file, const CaseResult& c) {
  if (c.id.empty()) return nullptr;
  const FileResult* rest = nullptr;
  for (const FileResult& part : file.parts()) {
    const Selection& s = part.selection;
    if (s.kind == Selection::Kind::kExcept) rest = &part;
    if (s.kind == Selection::Kind::kOnly &&
        std::find(s.ids.begin(), s.ids.end(), c.id) != s.ids.end())
      return &part;
  }
  return rest;
}

std::string describe_drift(const SuiteDrift& d) {
  return d.path + " ran " + std::to_string(d.examples) + " examples on " + d.nodes + ", " +
         std::to_string(d.last_examples) +
         " in the last run: tests removed, or something they need is missing there (on a "
         "node: a compiled extension, a gitignored fixture)";
}

}  // namespace dt

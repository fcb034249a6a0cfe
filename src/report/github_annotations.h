// GitHub Actions annotations of a run: when GITHUB_ACTIONS is "true", the end-of-run summary is
// followed by one workflow command per problem, which GitHub shows on the commit, the pull
// request's diff and the job's summary page:
//   ::error file=PATH,line=N,title=TITLE::MESSAGE    a failed or erroring example
//   ::error file=PATH,title=TITLE::MESSAGE           a file that failed with no example named,
//                                                    crashed, timed out or did not load
//   ::warning file=PATH,title=TITLE::MESSAGE         a flaky file: failed, then passed a rerun
// Each problem is printed once: a retried file has one result, its last. Errors come first,
// then warnings, at most kMaxAnnotations in all (GitHub keeps 50 per job and shows 10 errors
// per step); the last line then says how many were left out. Files not run get none (the
// summary counts them).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "report/result.h"

namespace dt {

inline constexpr std::size_t kMaxAnnotations = 50;

struct GithubAnnotationOptions {
  // Put before each file's project-relative path: GitHub wants paths from the repository's
  // root (GITHUB_WORKSPACE), and the project may be a directory below it. "" or ends in '/'.
  std::string path_prefix;
};

// Escaping as GitHub's toolkit does it (@actions/core, src/command.ts): a command's message
// with escapeData, a property value (file, title) with escapeProperty.
std::string escape_command_data(std::string_view text);
std::string escape_command_property(std::string_view text);

// The line of `file` a failure points at: from the backtrace, the innermost frame in that file
// (Ruby lists it first, "./spec/a_spec.rb:7:in ..."; pytest last, "tests/test_a.py:7: Error"),
// else the example's own location ("path:line"); 0 when neither names the file.
int failure_line(const CaseResult& c, std::string_view file);

// The workflow commands for `result`'s problems, one per line, each ending in '\n'.
std::string github_annotations(const RunResult& result, const GithubAnnotationOptions& options);

// The options for a run in `project_dir` when GITHUB_ACTIONS is "true", else none.
// `workspace` is GITHUB_WORKSPACE (null when unset): a project below it gets its path there as
// the prefix; one elsewhere, none.
std::optional<GithubAnnotationOptions> github_annotation_options(const char* github_actions,
                                                                 const char* workspace,
                                                                 const std::string& project_dir);

}  // namespace dt

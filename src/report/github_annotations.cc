#include "report/github_annotations.h"

#include <filesystem>
#include <system_error>
#include <vector>

#include "report/text_util.h"

namespace dt {

namespace {

// A message is what GitHub shows in the diff: its first lines say what failed; the job log has
// the rest. Bounded so 50 annotations of huge assertion diffs stay a short block of the log.
constexpr std::size_t kMessageLines = 20;
constexpr std::size_t kMessageBytes = 4096;
constexpr std::size_t kOutputTailLines = 10;

bool is_failure(const CaseResult& c) { return c.status == "failed" || c.status == "error"; }

std::string_view trim_right(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' '))
    text.remove_suffix(1);
  return text;
}

// Test output made fit for an annotation: no terminal escapes, valid UTF-8, bounded.
std::string message_text(std::string_view text) {
  std::string clean = sanitize_utf8(strip_ansi(trim_right(text)));
  std::string_view rest = clean;
  std::size_t cut = 0, lines = 0;
  while (cut < rest.size() && lines < kMessageLines) {
    std::size_t nl = rest.find('\n', cut);
    cut = nl == std::string_view::npos ? rest.size() : nl + 1;
    ++lines;
  }
  if (cut > kMessageBytes) {
    cut = kMessageBytes;
    // Not inside a UTF-8 sequence: back up over continuation bytes.
    while (cut > 0 && (static_cast<unsigned char>(clean[cut]) & 0xC0) == 0x80) --cut;
  }
  if (cut >= clean.size()) return clean;
  clean.resize(cut);
  return std::string(trim_right(clean)) + "\n(cut short: the job log has the rest)";
}

// The digits after `at` in `line`, when they are followed by ':' or the line's end; else 0.
// `ruby` says whether what follows them is Ruby's ":in ...".
int line_number_at(std::string_view line, std::size_t at, bool* ruby) {
  std::size_t end = at;
  int n = 0;
  while (end < line.size() && line[end] >= '0' && line[end] <= '9' && n < 100000000)
    n = n * 10 + (line[end++] - '0');
  if (end == at || (end < line.size() && line[end] != ':')) return 0;
  *ruby = line.substr(end).starts_with(":in ");
  return n;
}

// The line number in one trace line that names `file`: "file:N", "./file:N: ...", or an
// absolute "/root/file:N:in ..." (Ruby when a file was loaded by its full path).
int frame_line(std::string_view line, std::string_view file, bool* ruby) {
  std::size_t start = line.find_first_not_of(" \t");
  if (start == std::string_view::npos) return 0;
  line.remove_prefix(start);
  if (line.starts_with("./")) line.remove_prefix(2);
  std::string needle = std::string(file) + ":";
  if (line.starts_with(needle)) return line_number_at(line, needle.size(), ruby);
  if (!line.starts_with("/")) return 0;
  std::size_t at = line.find("/" + needle);
  return at == std::string_view::npos ? 0 : line_number_at(line, at + 1 + needle.size(), ruby);
}

// The innermost frame in `file` of a trace: Ruby's come innermost first, Python's last.
int trace_line(std::string_view trace, std::string_view file) {
  int first = 0, last = 0;
  bool ruby = false;
  while (!trace.empty()) {
    std::size_t nl = trace.find('\n');
    bool frame_ruby = false;
    if (int n = frame_line(trace.substr(0, nl), file, &frame_ruby); n > 0) {
      if (first == 0) {
        first = n;
        ruby = frame_ruby;
      }
      last = n;
    }
    trace = nl == std::string_view::npos ? std::string_view() : trace.substr(nl + 1);
  }
  return ruby ? first : last;
}

struct Annotation {
  const char* kind;  // "error" or "warning"
  std::string file;
  int line = 0;
  std::string title;
  std::string message;
};

std::string command(const Annotation& a) {
  std::string out = "::";
  out += a.kind;
  out += " file=" + escape_command_property(a.file);
  if (a.line > 0) out += ",line=" + std::to_string(a.line);
  out += ",title=" + escape_command_property(a.title);
  out += "::" + escape_command_data(a.message) + "\n";
  return out;
}

std::string output_tail(const FileResult& f) {
  std::string_view tail = tail_lines(f.output(), kOutputTailLines);
  if (trim_right(tail).empty()) return "";
  return "\nthe end of its output:\n" + std::string(tail);
}

// Every problem of one file, in the order the console's summary lists them.
void annotate_file(const FileResult& f, const std::string& path, std::vector<Annotation>& errors,
                   std::vector<Annotation>& warnings) {
  bool detailed = false;
  for (const CaseResult& c : f.cases()) {
    if (!is_failure(c)) continue;
    detailed = true;
    const FileResult* part = part_of_case(f, c);
    std::string text = !trim_right(c.message).empty() ? c.message
                                                      : std::string(first_line(c.backtrace));
    if (trim_right(text).empty()) text = c.status;
    text = std::string(trim_right(text)) + "\n(runner " + (part ? part->runner : f.runner) + ")";
    errors.push_back({"error", path, failure_line(c, f.path), c.name.empty() ? f.path : c.name,
                      message_text(text)});
  }
  if (!detailed && f.status == FileStatus::kFailed) {
    // The framework named no example (the command adapter): the output's end is all there is.
    std::string text = std::to_string(f.failures) + (f.failures == 1 ? " failure" : " failures") +
                       " (runner " + f.runner + ")" + output_tail(f);
    errors.push_back({"error", path, 0, f.path + " failed", message_text(text)});
  }
  if (f.status == FileStatus::kError || f.status == FileStatus::kTimeout) {
    std::string why = trim_right(f.error()).empty() ? to_string(f.status) : f.error();
    std::string text = why + "\n(runner " + f.runner + ")" + output_tail(f);
    errors.push_back({"error", path, trace_line(f.error(), f.path),
                      f.path + ": " + to_string(f.status), message_text(text)});
  }
  if (f.flaky) {
    std::string text = "failed, then passed on a rerun: " + f.error() + "; passed on " + f.runner +
                       " (attempt " + std::to_string(f.attempts) + ")";
    warnings.push_back({"warning", path, 0, "flaky: " + f.path, message_text(text)});
  }
}

}  // namespace

namespace {

// escapeData, and with `property` escapeProperty: '%' first, so no escape is taken for another.
std::string escape_command(std::string_view text, bool property) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '%') out += "%25";
    else if (c == '\r') out += "%0D";
    else if (c == '\n') out += "%0A";
    else if (property && c == ':') out += "%3A";
    else if (property && c == ',') out += "%2C";
    else out += c;
  }
  return out;
}

}  // namespace

std::string escape_command_data(std::string_view text) { return escape_command(text, false); }

std::string escape_command_property(std::string_view text) { return escape_command(text, true); }

int failure_line(const CaseResult& c, std::string_view file) {
  if (int n = trace_line(c.backtrace, file); n > 0) return n;
  return trace_line(c.location, file);
}

std::string github_annotations(const RunResult& result, const GithubAnnotationOptions& options) {
  std::vector<Annotation> errors, warnings;
  for (const FileResult& f : result.files) {
    annotate_file(f, options.path_prefix + f.path, errors, warnings);
  }
  std::size_t total = errors.size() + warnings.size();
  std::size_t shown = total <= kMaxAnnotations ? total : kMaxAnnotations - 1;
  std::string out;
  for (std::size_t i = 0; i < shown; ++i) {
    out += command(i < errors.size() ? errors[i] : warnings[i - errors.size()]);
  }
  if (shown < total) {
    std::size_t errors_left = errors.size() > shown ? errors.size() - shown : 0;
    std::size_t warnings_left = total - shown - errors_left;
    std::string left;
    if (errors_left > 0) left = std::to_string(errors_left) + " more failures";
    if (warnings_left > 0) {
      left += (left.empty() ? "" : " and ") + std::to_string(warnings_left) + " more flaky files";
    }
    out += "::error title=distributest::" +
           escape_command_data(left + " are not annotated (GitHub keeps 50 annotations per job); "
                               "the job log lists them all") +
           "\n";
  }
  return out;
}

std::optional<GithubAnnotationOptions> github_annotation_options(const char* github_actions,
                                                                 const char* workspace,
                                                                 const std::string& project_dir) {
  if (!github_actions || std::string_view(github_actions) != "true") return std::nullopt;
  GithubAnnotationOptions options;
  if (!workspace || !*workspace) return options;
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path root = fs::weakly_canonical(workspace, ec);
  if (ec) return options;
  fs::path project = fs::weakly_canonical(project_dir, ec);
  if (ec) return options;
  fs::path below = project.lexically_relative(root);
  // Outside the workspace (or unrelated to it): the project's own paths are the best guess.
  if (below.empty() || below == "." || *below.begin() == "..") return options;
  options.path_prefix = below.generic_string() + "/";
  return options;
}

}  // namespace dt

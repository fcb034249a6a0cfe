#include "runner/start_failure.h"

#include <vector>

namespace dt {

namespace {

std::vector<std::string_view> lines_of(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    std::size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return lines;
}

bool blank(std::string_view line) {
  return line.find_first_not_of(" \t") == std::string_view::npos;
}

// Backtrace frames and their decorations are indented in both Ruby ("\tfrom x.rb:1") and Python
// ("  File ...", "    ^^^^"); the error itself starts the line.
bool meaningful(std::string_view line) {
  return !blank(line) && line.front() != ' ' && line.front() != '\t' &&
         !line.starts_with("Traceback (most recent call last)");
}

// What Bundler prints when the Gemfile's gems are missing or cannot be resolved, best first:
// the line that names the gem, when there is one, is the best cause. Its own sentences are
// quoted from where they start; other lines whole, without a Ruby location.
struct BundlerSign {
  std::string_view text;
  bool sentence;
};
constexpr BundlerSign kBundlerSigns[] = {
    {"Could not find gem", true},    {"Bundler could not find compatible versions", true},
    {"Bundler::GemNotFound", false}, {"Bundler::VersionConflict", false},
    {"bundle install", false},
};

std::string trimmed(std::string_view line) {
  std::size_t start = line.find_first_not_of(" \t");
  std::size_t end = line.find_last_not_of(" \t");
  return start == std::string_view::npos ? "" : std::string(line.substr(start, end - start + 1));
}

// Ruby starts an uncaught error's line with where it was raised ("/usr/lib/ruby/x.rb:12:in
// `m': "); a path differs between nodes and says nothing a person can act on.
std::string_view without_ruby_location(std::string_view line) {
  std::size_t in = line.find(":in ");
  if (in == std::string_view::npos || line.substr(0, in).find(' ') != std::string_view::npos) {
    return line;
  }
  std::size_t end = line.find("': ", in);
  return end == std::string_view::npos ? line : line.substr(end + 3);
}

std::string bundler_cause(const std::vector<std::string_view>& lines) {
  for (const BundlerSign& sign : kBundlerSigns) {
    for (std::string_view line : lines) {
      std::size_t at = line.find(sign.text);
      if (at == std::string_view::npos) continue;
      return trimmed(sign.sentence ? line.substr(at) : without_ruby_location(line));
    }
  }
  return "";
}

// The adapters end a failed start with a line of their own ("distributest: loading the project
// with pytest failed (exit code 4)"), which says less than the framework's error above it.
bool adapter_line(std::string_view line) { return line.starts_with("distributest: "); }

// pytest marks the lines of an error with "E   ".
std::string_view without_pytest_marker(std::string_view line) {
  if (!line.starts_with("E ")) return line;
  std::size_t text = line.find_first_not_of(' ', 1);
  return text == std::string_view::npos ? line : line.substr(text);
}

}  // namespace

StartFailure explain_start_failure(std::string_view output, const std::string& how_it_ended) {
  std::vector<std::string_view> lines = lines_of(output);
  if (std::string cause = bundler_cause(lines); !cause.empty()) {
    if (cause.find("Bundler") == std::string::npos) cause = "Bundler: " + cause;
    return {cause,
            "run `bundle install` on that node (node_setup), or set DISTRIBUTEST_NO_BUNDLER=1 (a "
            "node gets it from [env]) to "
            "run without Bundler"};
  }
  for (auto it = lines.rbegin(); it != lines.rend(); ++it) {
    if (meaningful(*it) && !adapter_line(*it)) {
      return {trimmed(without_ruby_location(without_pytest_marker(*it))), ""};
    }
  }
  for (auto it = lines.rbegin(); it != lines.rend(); ++it) {
    if (meaningful(*it)) return {trimmed(*it), ""};
  }
  for (auto it = lines.rbegin(); it != lines.rend(); ++it) {
    if (!blank(*it)) return {trimmed(*it), ""};
  }
  return {how_it_ended, ""};
}

}  // namespace dt

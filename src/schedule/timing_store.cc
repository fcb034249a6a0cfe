// The timing store file, version 2 (described in docs/timing-store.md; v1 is still read):
//
//   # distributest timings v2
//   <seconds>\t<runs>\t<examples|->\t<setup seconds>\t<path>   one line per file, by path
//   # examples
//   <path>\t<seconds>\t<id>                      per-example timings, by path, in run order
//   # last run
//   <runner>\t<path>[\t<part>/<parts>\t<only|except>\t<id>...]   runners by id, in run order
//
// Like Ninja's .ninja_log it is plain text with a version line, but it is rewritten whole on
// every save instead of appended to: it is small, and a sorted file diffs and merges well when
// teams commit it. Paths and ids are arbitrary bytes; `\` `\t` `\n` `\r` are written as `\\`
// `\t` `\n` `\r` so every field round-trips and a line is always one record. Raw `\r` therefore
// never belongs to a field, so a trailing `\r` (a checkout with CRLF line endings) is dropped.
//
// The store is only a cache of measurements: anything unreadable is reported once and rebuilt,
// never a reason to refuse a run.
#include "schedule/timing_store.h"

#include <algorithm>
#include <charconv>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string_view>
#include <system_error>

#include "util/atomic_file.h"


namespace dt {
namespace {

constexpr std::string_view kHeader = "# distributest timings v2";
constexpr std::string_view kHeaderV1 = "# distributest timings v1";
constexpr std::string_view kHeaderPrefix = "# distributest timings v";
constexpr std::string_view kExamples = "# examples";
constexpr std::string_view kLastRun = "# last run";

std::string escape(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  for (char c : raw) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '\t': out += "\\t"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      default: out += c;
    }
  }
  return out;
}

bool unescape(std::string_view text, std::string& out) {
  out.clear();
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\\') {
      out += text[i];
      continue;
    }
    if (++i == text.size()) return false;
    switch (text[i]) {
      case '\\': out += '\\'; break;
      case 't': out += '\t'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      default: return false;
    }
  }
  return true;
}

// Strict on purpose: from_chars would also take "inf", "nan" and "1e9", none of which we write.
bool parse_seconds(std::string_view text, double& value) {
  std::size_t dots = 0, digits = 0;
  for (char c : text) {
    if (c == '.') {
      ++dots;
    } else if (c >= '0' && c <= '9') {
      ++digits;
    } else {
      return false;
    }
  }
  if (digits == 0 || dots > 1 || text.front() == '.' || text.back() == '.') return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  return ec == std::errc() && end == text.data() + text.size() && std::isfinite(value);
}

bool parse_runs(std::string_view text, int& value) {
  if (text.empty() || text.front() < '0' || text.front() > '9') return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  return ec == std::errc() && end == text.data() + text.size() && value >= 1;
}

struct Parsed {
  FileTimings timings;
  std::map<std::string, std::vector<WorkItem>> last_run;
  int error_line = 0;
  std::string error;  // complete clause: "corrupt timing store (...)" or a version mismatch
};

std::string corrupt(const std::string& why) { return "corrupt timing store (" + why + ")"; }

std::vector<std::string_view> split_tabs(std::string_view line) {
  std::vector<std::string_view> fields;
  std::size_t start = 0;
  while (true) {
    std::size_t tab = line.find('\t', start);
    fields.push_back(line.substr(start, tab == std::string_view::npos ? tab : tab - start));
    if (tab == std::string_view::npos) return fields;
    start = tab + 1;
  }
}

bool parse_count(std::string_view text, int& value) {
  if (text.empty() || text.front() < '0' || text.front() > '9') return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  return ec == std::errc() && end == text.data() + text.size();
}

// Each line parser returns "" or why the line is corrupt.
std::string parse_file_line(const std::vector<std::string_view>& f, bool v1, Parsed& parsed) {
  if (f.size() != (v1 ? 3u : 5u)) {
    return v1 ? "expected <seconds>\\t<runs>\\t<path>"
              : "expected <seconds>\\t<runs>\\t<examples>\\t<setup seconds>\\t<path>";
  }
  FileTiming timing;
  if (!parse_seconds(f[0], timing.seconds)) return "bad seconds '" + std::string(f[0]) + "'";
  if (!parse_runs(f[1], timing.runs)) return "bad run count '" + std::string(f[1]) + "'";
  if (!v1) {
    if (f[2] != "-" && !parse_count(f[2], timing.examples)) {
      return "bad example count '" + std::string(f[2]) + "'";
    }
    if (!parse_seconds(f[3], timing.setup_seconds)) {
      return "bad setup seconds '" + std::string(f[3]) + "'";
    }
  }
  std::string path;
  if (!unescape(f.back(), path)) return "bad escape sequence";
  if (path.empty()) return "empty path";
  // A duplicate means two versions were pasted together (a bad merge); neither is trusted.
  // The store is written sorted, so each line goes after the last: the end is the hint.
  std::size_t before = parsed.timings.size();
  parsed.timings.emplace_hint(parsed.timings.end(), std::move(path), std::move(timing));
  if (parsed.timings.size() == before) return "duplicate entry";
  return "";
}

std::string parse_example_line(const std::vector<std::string_view>& f, Parsed& parsed) {
  if (f.size() != 3) return "expected <path>\\t<seconds>\\t<id>";
  std::string path;
  ExampleTiming example;
  if (!unescape(f[0], path) || !unescape(f[2], example.id)) return "bad escape sequence";
  if (!parse_seconds(f[1], example.seconds)) return "bad seconds '" + std::string(f[1]) + "'";
  if (example.id.empty()) return "empty example id";
  auto it = parsed.timings.find(path);
  if (it == parsed.timings.end()) return "examples of a file that has no line above";
  it->second.example_timings.push_back(std::move(example));
  return "";
}

std::string parse_part(const std::vector<std::string_view>& f, Selection& selection) {
  std::string_view fraction = f[2];
  std::size_t slash = fraction.find('/');
  if (slash == std::string_view::npos || !parse_count(fraction.substr(0, slash), selection.part) ||
      !parse_count(fraction.substr(slash + 1), selection.parts) || selection.part < 1 ||
      selection.part > selection.parts) {
    return "bad part '" + std::string(fraction) + "'";
  }
  if (f.size() < 4 || (f[3] != "only" && f[3] != "except")) return "expected only or except";
  selection.kind = f[3] == "only" ? Selection::Kind::kOnly : Selection::Kind::kExcept;
  for (std::size_t i = 4; i < f.size(); ++i) {
    std::string id;
    if (!unescape(f[i], id)) return "bad escape sequence";
    selection.ids.push_back(std::move(id));
  }
  return "";
}

std::string parse_last_run_line(const std::vector<std::string_view>& f, bool v1,
                                Parsed& parsed) {
  if (f.size() < 2 || (v1 && f.size() != 2) || f.size() == 3) {
    return v1 ? "expected <runner>\\t<path>" : "expected <runner>\\t<path>[\\t<part>...]";
  }
  std::string runner;
  WorkItem item;
  if (!unescape(f[0], runner) || !unescape(f[1], item.path)) return "bad escape sequence";
  if (item.path.empty()) return "empty path";
  if (f.size() > 2) {
    if (std::string error = parse_part(f, item.selection); !error.empty()) return error;
  }
  parsed.last_run[runner].push_back(std::move(item));
  return "";
}

Parsed parse_store(const std::string& text) {
  Parsed parsed;
  auto fail = [&](int line, std::string error) {
    parsed.timings.clear();
    parsed.last_run.clear();
    parsed.error_line = line;
    parsed.error = std::move(error);
    return parsed;
  };
  if (text.empty()) return fail(1, corrupt("empty file"));

  std::string_view rest = text;
  int line_number = 0;
  bool v1 = false;
  enum class Section { kFiles, kExamples, kLastRun } section = Section::kFiles;
  while (!rest.empty()) {
    std::size_t newline = rest.find('\n');
    std::string_view line = rest.substr(0, newline);
    rest = newline == std::string_view::npos ? std::string_view() : rest.substr(newline + 1);
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);

    if (line_number == 1) {
      if (line == kHeader || line == kHeaderV1) {
        v1 = line == kHeaderV1;
        continue;
      }
      if (line.starts_with(kHeaderPrefix)) {
        std::string version(line.substr(kHeaderPrefix.size()));
        return fail(1, "timing store format v" + version +
                           " is not supported (this distributest reads v1 and v2)");
      }
      return fail(1, corrupt("missing the '" + std::string(kHeader) + "' header"));
    }
    // Sections come in this order, each at most once; v1 has no examples.
    if (line == kExamples && !v1) {
      if (section != Section::kFiles) return fail(line_number, corrupt("misplaced '# examples'"));
      section = Section::kExamples;
      continue;
    }
    if (line == kLastRun) {
      if (section == Section::kLastRun) {
        return fail(line_number, corrupt("second '# last run' section"));
      }
      section = Section::kLastRun;
      continue;
    }
    std::vector<std::string_view> fields = split_tabs(line);
    std::string error;
    switch (section) {
      case Section::kFiles: error = parse_file_line(fields, v1, parsed); break;
      case Section::kExamples: error = parse_example_line(fields, parsed); break;
      case Section::kLastRun: error = parse_last_run_line(fields, v1, parsed); break;
    }
    if (!error.empty()) return fail(line_number, corrupt(error));
  }
  return parsed;
}

}  // namespace

TimingStore TimingStore::load(const std::string& path, std::string* warning) {
  TimingStore store;
  if (warning) warning->clear();
  std::error_code ec;
  auto type = std::filesystem::status(path, ec).type();
  if (type == std::filesystem::file_type::not_found) return store;

  // Unreadable (a directory, no permission): the run goes on without history.
  auto unreadable = [&](const std::string& why) {
    if (warning) {
      *warning = path + ": cannot read the timing store (" + why + "); it will be rebuilt";
    }
    return store;
  };
  if (type == std::filesystem::file_type::directory) return unreadable("a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in) return unreadable(strerror(errno));
  std::ostringstream contents;
  contents << in.rdbuf();
  if (in.bad()) return unreadable("read error");
  Parsed parsed = parse_store(contents.str());
  if (!parsed.error.empty()) {
    if (warning) {
      *warning = path + ":" + std::to_string(parsed.error_line) + ": " + parsed.error +
                 "; it will be rebuilt";
    }
    return store;
  }
  store.timings_ = std::move(parsed.timings);
  store.last_run_ = std::move(parsed.last_run);
  return store;
}

std::string TimingStore::parse(const std::string& text) {
  Parsed parsed = parse_store(text);
  if (!parsed.error.empty()) {
    timings_.clear();
    last_run_.clear();
    return "line " + std::to_string(parsed.error_line) + ": " + parsed.error;
  }
  timings_ = std::move(parsed.timings);
  last_run_ = std::move(parsed.last_run);
  return "";
}

const FileTiming* TimingStore::find(const std::string& file) const {
  auto it = timings_.find(file);
  return it == timings_.end() ? nullptr : &it->second;
}

namespace {

// to_chars, unlike printf, ignores the locale: the decimal point is always '.'.
void append_seconds(std::string& out, double seconds) {
  char number[64];
  auto result = std::to_chars(number, number + sizeof number, seconds, std::chars_format::fixed, 3);
  out.append(number, result.ptr);
}

void append_item(std::string& out, const WorkItem& item) {
  out += escape(item.path);
  const Selection& s = item.selection;
  if (s.whole()) return;
  out += '\t' + std::to_string(s.part) + "/" + std::to_string(s.parts);
  out += s.kind == Selection::Kind::kOnly ? "\tonly" : "\texcept";
  for (const std::string& id : s.ids) {
    out += '\t';
    out += escape(id);
  }
}

}  // namespace

std::string TimingStore::serialize() const {
  std::string out(kHeader);
  out += '\n';
  for (const auto& [path, timing] : timings_) {
    append_seconds(out, timing.seconds);
    out += '\t' + std::to_string(timing.runs) + '\t';
    out += timing.examples < 0 ? std::string("-") : std::to_string(timing.examples);
    out += '\t';
    append_seconds(out, timing.setup_seconds);
    out += '\t';
    out += escape(path);
    out += '\n';
  }
  bool any_examples = false;
  for (const auto& [path, timing] : timings_) any_examples |= !timing.example_timings.empty();
  if (any_examples) {
    out += kExamples;
    out += '\n';
    for (const auto& [path, timing] : timings_) {
      for (const ExampleTiming& example : timing.example_timings) {
        out += escape(path) + '\t';
        append_seconds(out, example.seconds);
        out += '\t' + escape(example.id) + '\n';
      }
    }
  }
  bool any_run = false;
  for (const auto& [runner, items] : last_run_) any_run = any_run || !items.empty();
  if (any_run) {
    out += kLastRun;
    out += '\n';
    for (const auto& [runner, items] : last_run_) {
      for (const WorkItem& item : items) {
        out += escape(runner) + '\t';
        append_item(out, item);
        out += '\n';
      }
    }
  }
  return out;
}

std::string TimingStore::save(const std::string& path) const {
  namespace fs = std::filesystem;
  fs::path target(path);
  fs::path dir = target.parent_path();
  if (dir.empty()) dir = ".";
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return "cannot create " + dir.string() + ": " + ec.message();

  return replace_file(path, serialize());
}

}  // namespace dt

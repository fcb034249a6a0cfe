// The timing store file, version 1 (also described in docs/timing-store.md):
//
//   # distributest timings v1
//   <seconds, 3 decimals>\t<runs>\t<escaped path>      one line per file, sorted by path
//   # last run
//   <escaped runner id>\t<escaped path>                runners sorted by id, files in run order
//
// Like Ninja's .ninja_log it is plain text with a version line, but it is rewritten whole on
// every save instead of appended to: it is small, and a sorted file diffs and merges well when
// teams commit it. Paths are arbitrary bytes; `\` `\t` `\n` `\r` are written as `\\` `\t` `\n`
// `\r` so every path round-trips and a line is always one record. Raw `\r` therefore never
// belongs to a path, so a trailing `\r` (a checkout with CRLF line endings) is dropped on load.
//
// The store is only a cache of measurements: anything unreadable is reported once and rebuilt,
// never a reason to refuse a run.
#include "schedule/timing_store.h"

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

constexpr std::string_view kHeader = "# distributest timings v1";
constexpr std::string_view kHeaderPrefix = "# distributest timings v";
constexpr std::string_view kLastRun = "# last run";
// The weight of the newest measurement. 0.5 follows a file that got slower within a couple of
// runs while one outlier (a cold cache, a loaded machine) only moves it half way.
constexpr double kAlpha = 0.5;

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
  std::map<std::string, FileTiming> timings;
  std::map<std::string, std::vector<std::string>> last_run;
  int error_line = 0;
  std::string error;  // complete clause: "corrupt timing store (...)" or a version mismatch
};

std::string corrupt(const std::string& why) { return "corrupt timing store (" + why + ")"; }

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
  bool in_last_run = false;
  std::string path, runner;
  while (!rest.empty()) {
    std::size_t newline = rest.find('\n');
    std::string_view line = rest.substr(0, newline);
    rest = newline == std::string_view::npos ? std::string_view() : rest.substr(newline + 1);
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);

    if (line_number == 1) {
      if (line == kHeader) continue;
      if (line.starts_with(kHeaderPrefix)) {
        std::string version(line.substr(kHeaderPrefix.size()));
        return fail(1, "timing store format v" + version +
                           " is not supported (this distributest reads v1)");
      }
      return fail(1, corrupt("missing the '" + std::string(kHeader) + "' header"));
    }
    if (line == kLastRun) {
      if (in_last_run) return fail(line_number, corrupt("second '# last run' section"));
      in_last_run = true;
      continue;
    }

    std::size_t tab1 = line.find('\t');
    if (in_last_run) {
      if (tab1 == std::string_view::npos || line.find('\t', tab1 + 1) != std::string_view::npos)
        return fail(line_number, corrupt("expected <runner>\\t<path>"));
      if (!unescape(line.substr(0, tab1), runner) || !unescape(line.substr(tab1 + 1), path))
        return fail(line_number, corrupt("bad escape sequence"));
      if (path.empty()) return fail(line_number, corrupt("empty path"));
      parsed.last_run[runner].push_back(path);
      continue;
    }

    std::size_t tab2 = tab1 == std::string_view::npos ? tab1 : line.find('\t', tab1 + 1);
    if (tab2 == std::string_view::npos ||
        line.find('\t', tab2 + 1) != std::string_view::npos)
      return fail(line_number, corrupt("expected <seconds>\\t<runs>\\t<path>"));
    FileTiming timing;
    if (!parse_seconds(line.substr(0, tab1), timing.seconds))
      return fail(line_number, corrupt("bad seconds '" + std::string(line.substr(0, tab1)) + "'"));
    std::string_view runs = line.substr(tab1 + 1, tab2 - tab1 - 1);
    if (!parse_runs(runs, timing.runs))
      return fail(line_number, corrupt("bad run count '" + std::string(runs) + "'"));
    if (!unescape(line.substr(tab2 + 1), path))
      return fail(line_number, corrupt("bad escape sequence"));
    if (path.empty()) return fail(line_number, corrupt("empty path"));
    // A duplicate means two versions were pasted together (a bad merge); neither is trusted.
    if (!parsed.timings.emplace(path, timing).second)
      return fail(line_number, corrupt("duplicate entry"));
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

void TimingStore::record(const std::string& file, double seconds) {
  // A broken clock or runner must not poison the history for every later run.
  if (!std::isfinite(seconds) || file.empty()) return;
  if (seconds < 0) seconds = 0;
  auto [it, inserted] = timings_.try_emplace(file);
  FileTiming& timing = it->second;
  timing.seconds = inserted ? seconds : (1 - kAlpha) * timing.seconds + kAlpha * seconds;
  ++timing.runs;
}

std::string TimingStore::serialize() const {
  std::string out(kHeader);
  out += '\n';
  char number[64];
  for (const auto& [path, timing] : timings_) {
    // to_chars, unlike printf, ignores the locale: the decimal point is always '.'.
    auto result = std::to_chars(number, number + sizeof number, timing.seconds,
                                std::chars_format::fixed, 3);
    out.append(number, result.ptr);
    out += '\t';
    out += std::to_string(timing.runs);
    out += '\t';
    out += escape(path);
    out += '\n';
  }
  bool any_run = false;
  for (const auto& [runner, files] : last_run_) any_run = any_run || !files.empty();
  if (any_run) {
    out += kLastRun;
    out += '\n';
    for (const auto& [runner, files] : last_run_) {
      for (const std::string& file : files) {
        out += escape(runner);
        out += '\t';
        out += escape(file);
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

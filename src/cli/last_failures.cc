#include "cli/last_failures.h"

#include <filesystem>
#include <fstream>
#include <iostream>

#include "report/status.h"
#include "util/atomic_file.h"

namespace dt {

namespace fs = std::filesystem;

std::string failures_path(const std::string& timings_path) {
  return (fs::path(timings_path).parent_path() / "last-failures").string();
}

// Replaced whole: --only-failures after a crash or beside a concurrent run must not read a
// partial list and silently run fewer files.
void save_failures(const RunResult& result, const std::string& path, Status& status) {
  std::string text;
  for (const FileResult& f : result.files) {
    if (f.status == FileStatus::kFailed || f.status == FileStatus::kError ||
        f.status == FileStatus::kTimeout) {
      text += f.path;
      text += '\n';
    }
  }
  if (std::string error = replace_file(path, text); !error.empty()) {
    status.event(Status::Level::kWarning, "cannot write " + path + ": " + error);
  }
}

std::vector<std::string> last_failures(const std::string& path, const std::string& project_dir) {
  std::ifstream in(path);
  std::vector<std::string> files;
  for (std::string line; std::getline(in, line);) {
    std::error_code ec;
    if (line.empty()) continue;
    if (fs::exists(fs::path(project_dir) / line, ec)) {
      files.push_back(line);
    } else {
      std::cerr << "distributest: warning: " << line << " failed last time but is gone\n";
    }
  }
  return files;
}

}  // namespace dt

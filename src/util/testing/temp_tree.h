// For tests: a fresh directory under the temp dir, removed with everything in it at the end of
// the scope, and files written into it by relative path.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>

namespace dt {

class TempTree {
 public:
  explicit TempTree(const std::string& prefix = "dt_test") {
    std::string pattern = (std::filesystem::temp_directory_path() / (prefix + "_XXXXXX")).string();
    root_ = mkdtemp(pattern.data());
  }
  ~TempTree() {
    std::error_code ec;
    std::filesystem::remove_all(root_, ec);
  }
  TempTree(const TempTree&) = delete;
  TempTree& operator=(const TempTree&) = delete;

  const std::filesystem::path& root() const { return root_; }
  std::string dir() const { return root_.string(); }
  // Writes `text` to root/rel, creating the directories on the way.
  void write(const std::string& rel, const std::string& text = "") const {
    std::filesystem::create_directories((root_ / rel).parent_path());
    std::ofstream(root_ / rel, std::ios::binary) << text;
  }

 private:
  std::filesystem::path root_;
};

}  // namespace dt

// A Status that prints nothing and keeps the first error: for tests and the fleet simulation,
// which look at results, not at a console.
#pragma once

#include <string>

#include "report/status.h"

namespace dt {

class QuietStatus : public Status {
 public:
  void run_started(int, int) override {}
  void file_started(const std::string&, const std::string&) override {}
  void file_finished(const FileResult&, int, int, int) override {}
  void output(const std::string&, std::string_view) override {}
  void event(Level level, const std::string& message) override {
    if (level == Level::kError && first_error.empty()) first_error = message;
  }
  void run_finished(const RunResult&) override {}

  std::string first_error;
};

}  // namespace dt

// For tests: HOME set (or unset) for one scope, and put back after it.
#pragma once

#include <cstdlib>
#include <optional>
#include <string>

namespace dt {

// Sets (or unsets, with nullopt) HOME for one test and puts the old value back.
class ScopedHome {
 public:
  explicit ScopedHome(const std::optional<std::string>& value) {
    if (const char* old = std::getenv("HOME")) old_ = old;
    if (value) {
      setenv("HOME", value->c_str(), 1);
    } else {
      unsetenv("HOME");
    }
  }
  ~ScopedHome() {
    if (old_) {
      setenv("HOME", old_->c_str(), 1);
    } else {
      unsetenv("HOME");
    }
  }

 private:
  std::optional<std::string> old_;
};

}  // namespace dt

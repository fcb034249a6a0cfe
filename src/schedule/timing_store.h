// The timing store: a plain, versioned, line-oriented text file in the project
// (.distributest/timings by default) that teams can commit or cache in CI. It holds each file's
// smoothed duration, sorted by path so it diffs well, and the order of files each runner ran
// in the last run (for replay and bisect).
#pragma once

#include <map>
#include <string>
#include <vector>

namespace dt {

struct FileTiming {
  double seconds = 0;  // exponentially smoothed over runs
  int runs = 0;
};

class TimingStore {
 public:
  // Loads `path`. A missing file is an empty store. A corrupt or old-format file leaves the
  // store empty and sets `warning` (the caller prints it); it is rebuilt on the next save.
  static TimingStore load(const std::string& path, std::string* warning);

  const FileTiming* find(const std::string& file) const;
  const std::map<std::string, FileTiming>& timings() const { return timings_; }

  // Folds one measured duration in.
  void record(const std::string& file, double seconds);
  // Drops files that no longer exist (`exists` says which do).
  template <typename Pred>
  void prune(Pred exists) {
    std::erase_if(timings_, [&](const auto& entry) { return !exists(entry.first); });
  }

  void set_last_run(std::map<std::string, std::vector<std::string>> order_by_runner) {
    last_run_ = std::move(order_by_runner);
  }
  const std::map<std::string, std::vector<std::string>>& last_run() const { return last_run_; }

  // Writes atomically (temp file + rename). Returns an error in words, or "" on success.
  std::string save(const std::string& path) const;

  std::string serialize() const;
  // Returns "" on success, else why the text is not a valid store.
  std::string parse(const std::string& text);

 private:
  std::map<std::string, FileTiming> timings_;
  std::map<std::string, std::vector<std::string>> last_run_;
};

}  // namespace dt

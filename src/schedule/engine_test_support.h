// The fixture the engine's tests share: a FakeTransport (virtual clock), a Status that records
// what it is told, and helpers to plan files and runners. Test code only.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "report/status.h"
#include "schedule/engine.h"
#include "transport/testing/fake_transport.h"

namespace dt {

class RecordingStatus : public Status {
 public:
  void run_started(int, int) override {}
  void file_started(const std::string&, const std::string&) override {}
  void file_finished(const FileResult& r, int, int, int) override { finished.push_back(r.path); }
  void output(const std::string& source, std::string_view text) override {
    outputs[source] += text;
  }
  void event(Level level, const std::string& message) override {
    events.push_back(message);
    levels.push_back(level);
  }
  void eta(double seconds) override { etas.push_back(seconds); }
  std::vector<double> etas;
  void run_finished(const RunResult&) override {}

  bool has_event(const std::string& needle) const {
    for (const auto& e : events) {
      if (e.find(needle) != std::string::npos) return true;
    }
    return false;
  }
  std::vector<std::string> finished;
  std::map<std::string, std::string> outputs;
  std::vector<std::string> events;
  std::vector<Level> levels;  // of each event: warnings and errors reach the console
  // The warnings and errors (what a person sees at the default verbosity) that hold `needle`.
  int shown_events_with(const std::string& needle) const {
    int n = 0;
    for (std::size_t i = 0; i < events.size(); ++i) {
      n += levels[i] != Level::kInfo && events[i].find(needle) != std::string::npos;
    }
    return n;
  }
};

class EngineTest : public ::testing::Test {
 protected:
  void add(const std::string& path, double seconds, std::string status = "passed") {
    transport.files[path] = FakeFile{seconds, status, 1, status == "failed" ? 1 : 0, "", 0, false};
    planned.push_back(PlannedFile{path, 0, seconds, true});
  }
  void make_runners(int n) {
    for (int i = 1; i <= n; ++i) {
      runners.push_back(RunnerSlot{"box_local_" + std::to_string(i), i, "local",
                                   {{"DISTRIBUTEST_RUNNER_INDEX", std::to_string(i)}},
                                   {"fake-runner"}});
    }
  }
  RunResult run() {
    Engine engine(transport, status, options);
    RunResult r = engine.run(nodes, runners, planned);
    EXPECT_FALSE(transport.deadlocked) << "the engine waited forever";
    EXPECT_EQ(transport.live_processes(), 0) << "processes left running";
    return r;
  }
  const FileResult& result_of(const RunResult& r, const std::string& path) {
    for (const FileResult& f : r.files) {
      if (f.path == path) return f;
    }
    ADD_FAILURE() << "no result for " << path;
    static FileResult none;
    return none;
  }
  std::vector<std::string> dispatched_paths() const {
    std::vector<std::string> out;
    for (const auto& d : transport.dispatched) out.push_back(d.path);
    return out;
  }

  FakeTransport transport;
  RecordingStatus status;
  EngineOptions options;
  std::vector<NodeSlot> nodes{NodeSlot{"local", "box", "", {}}};
  std::vector<RunnerSlot> runners;
  std::vector<PlannedFile> planned;
};

}  // namespace dt

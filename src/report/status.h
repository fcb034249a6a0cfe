// Status is the one place the engine reports progress to. StatusPrinter (status_printer.h)
// prints it for a person and writes the run log; tests use a recording fake.
#pragma once

#include <string>
#include <string_view>

#include "report/result.h"

namespace dt {

class Status {
 public:
  enum class Level { kInfo, kWarning, kError };
  virtual ~Status() = default;

  virtual void run_started(int files, int runners) = 0;
  virtual void file_started(const std::string& runner, const std::string& path) = 0;
  // `done` of `total` files have results, `failed` of them did not pass.
  virtual void file_finished(const FileResult& result, int done, int total, int failed) = 0;
  // Raw output of a runner or hook (stderr of tests, noise on stdout). Goes to the log.
  virtual void output(const std::string& source, std::string_view text) = 0;
  // The master's own events: restarts, hook failures, protocol errors, timeouts.
  virtual void event(Level level, const std::string& message) = 0;
  virtual void run_finished(const RunResult& result) = 0;
  // Which node a runner is on (before it starts), and a node lost mid-run: for per-node state.
  virtual void runner_placed(const std::string& /*runner*/, const std::string& /*node*/) {}
  virtual void node_lost(const std::string& /*node*/) {}
  // Called about once a second while the run goes on, so elapsed time and ETA can move
  // between events.
  virtual void refresh() {}
  // The time the run has left, estimated from the files' expected durations (their history),
  // or negative when there is too little history to go by.
  virtual void eta(double /*seconds*/) {}
};

}  // namespace dt

// Why a runner died before its handshake, in one line a person can act on. Every runner of a
// run usually fails for the same reason (a missing gem, a module pytest cannot import), so the
// engine reports each cause once, and the run log keeps each runner's full output.
#pragma once

#include <string>
#include <string_view>

namespace dt {

struct StartFailure {
  std::string cause;  // one line: the error the runner printed, or how it ended
  std::string fix;    // one line, or "" when there is nothing better than reading the log
};

// From the runner's output before it died (stderr) and how it ended ("exited with status 1").
// Bundler's failures (a gem it cannot find or resolve) get their own fix; otherwise the cause
// is the last line of the output that is not a backtrace frame nor the adapter's own closing
// line (Python's `ModuleNotFoundError: ...`, Ruby's `cannot load such file -- x (LoadError)`),
// else how it ended.
StartFailure explain_start_failure(std::string_view output, const std::string& how_it_ended);

}  // namespace dt

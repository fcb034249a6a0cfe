// A transport for unit tests: scripted runners and hooks on a virtual clock, so engine tests
// are exact and instant (like Ninja's VirtualFileSystem). A process whose argv holds
// "fake-runner" speaks the runner protocol; any other process is a hook that prints a line and,
// after `hook_seconds[label]` (default 0.1), exits with `hook_exit[label]`, else
// `hook_exit[argv joined by spaces]`, else `hook_exit[argv[0]]` (default 0). A runner told
// there is no more work (an empty line) tears down for `teardown_seconds` and exits with
// `teardown_exit`; one whose stdin closes exits at once.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "transport/transport.h"

namespace dt {

struct FakeFile {
  double seconds = 1;
  std::string status = "passed";  // the record's status
  int examples = 1;
  int failures = 0;
  std::string output;             // what the file prints (to the runner's stderr)
  int crashes = 0;                // the first N attempts kill the runner
  int fails = 0;                  // the first N attempts fail (a flaky file)
  bool hang = false;              // never answers
  bool loses_node = false;        // a crash (see `crashes`) that takes the node's link, and so
                                  // every process on the node, with it
  bool record_then_dies = false;  // the record arrives, then the runner dies before its marker
  bool finishes_on_term = false;  // hangs; terminated, it traps SIGTERM, finishes (0.5 s) and
                                  // is killed after the grace (2 s)
  bool loses_own_connection = false;  // a crash that takes only its own connection to the node
                                      // with it: the node's other runners live on
};

class FakeTransport : public Transport {
 public:
  std::map<std::string, FakeFile, std::less<>> files;
  // How a line that `files` does not list runs (else as a default FakeFile): for a suite too
  // big to list, such as the fleet simulation's million files.
  std::function<FakeFile(std::string_view line)> file_script;
  std::map<std::string, int> hook_exit;
  std::map<std::string, double> hook_seconds;  // by label
  double teardown_seconds = 0.01;
  int teardown_exit = 0;
  std::string teardown_output;          // what a runner prints while it tears down
  double runner_startup_seconds = 0.5;
  bool runner_fails_to_start = false;   // every runner exits 1 before its handshake
  // What a runner that fails to start prints, by its label (else a LoadError).
  std::map<std::string, std::string> start_error_of;
  double interrupt_at_seconds = -1;     // deliver kInterrupted at this virtual time
  int core_count = 4;

  struct Dispatch {
    std::string runner;  // the process label
    std::string path;
    double at_seconds;
  };
  std::vector<Dispatch> dispatched;
  std::size_t dispatch_count = 0;  // lines run, kept also when `dispatched` is not
  bool keep_dispatched = true;     // false for a fleet-sized run: a million entries are not free
  std::vector<std::string> started;     // labels, in start order
  std::vector<std::string> terminated;  // labels
  std::vector<std::string> told_no_more_work;  // labels of runners sent the empty line
  std::map<std::string, std::string> env_of;  // label -> "K=V;..." for assertions
  std::map<std::string, std::vector<std::string>> argv_of;  // label -> argv, for assertions
  bool deadlocked = false;

  int start(const ProcessSpec& spec) override;
  void write_stdin(int process, const std::string& data) override;
  void close_stdin(int process) override;
  void terminate(int process) override;
  std::optional<TransportEvent> wait(Clock::time_point deadline) override;
  Clock::time_point now() const override { return now_; }
  int cores(const std::string&) override { return core_count; }

  double seconds() const;  // virtual time since construction
  int live_processes() const;

 private:
  struct Process {
    bool runner = false;  // what every line touches first: the spec is looked at rarely
    bool ending_file = false;  // its file's end (kFileEnd or kQuietFileEnd) is scheduled
    std::string stdin_buffer;
    std::string current;  // the file in flight
    std::string ending_path;  // the file of a kFileEnd, and how it ends
    FakeFile ending;
    ProcessSpec spec;
  };
  // Whether a process lives, and its epoch: cancel() starts a new one, and events of an earlier
  // one are void. Apart from Process, so that checking an event (every one) reads a small array.
  struct Life {
    bool alive = true;
    int epoch = 0;
  };
  // A scheduled event: `events_` is a min-heap of them by (at, seq) (push_event, pop_event), each naming its event in
  // `pending_` (moving small keys, not events, as the heap is kept). Cancelled ones stay until
  // they come to the top: erasing a process's events would be a pass over all of them, and a
  // fleet has tens of thousands pending. Two events of one moment (a file's end marker and its
  // record) are one entry, the second chained to the first: it takes the first one's place at
  // the top, where nothing can come before it, so a file costs one heap push and pop.
  struct Scheduled {
    Clock::time_point at;
    long seq;
    int process;
    int epoch;          // the process's when it was scheduled
    std::size_t event;  // in pending_, or kFileEnd / kQuietFileEnd / kFileRecord
  };
  struct Pending {
    TransportEvent event;
    std::size_t then;  // the event chained after it, in pending_; kNoEvent for none
  };
  static constexpr std::size_t kNoEvent = static_cast<std::size_t>(-1);
  // The common end of a file, made when it comes up rather than stored: its output and end
  // marker (kFileEnd), then its record (kFileRecord), from the process's `ending_path` and `ending`.
  // A million-file run would otherwise keep each file's two events, and the bytes the engine
  // reads, cold for the whole time the file runs.
  // kQuietFileEnd is a file that printed nothing: its marker is made without reading the
  // process, whose state is then asked for ahead of the record that comes next (a fleet's
  // processes are cold by the time their file ends).
  static constexpr std::size_t kFileEnd = kNoEvent - 1;
  static constexpr std::size_t kQuietFileEnd = kNoEvent - 2;
  static constexpr std::size_t kFileRecord = kNoEvent - 3;
  // A type, not a function, so that the heap's comparisons can be inlined.
  struct Later {
    bool operator()(const Scheduled& a, const Scheduled& b) const {
      return a.at != b.at ? a.at > b.at : a.seq > b.seq;
    }
  };
  void push_event(Scheduled s);
  void pop_event();  // the top one
  void schedule(double after_seconds, TransportEvent ev);
  // `ev`, then `then` at the same moment, for the same process.
  void schedule(double after_seconds, TransportEvent ev, TransportEvent then);
  std::size_t store(TransportEvent ev, std::size_t then);
  void cancel(int process);
  bool stale(const Scheduled& s) const;
  void drop_stale();
  TransportEvent take_front();
  void run_file(int process, std::string_view path);
  FakeFile file_for(std::string_view path);
  TransportEvent take_file_end(Scheduled& top);
  static std::string record_line(std::string_view path, const FakeFile& f);
  static std::string output_and_marker(const std::string& output);  // what a file's end writes

  Clock::time_point start_ = Clock::time_point() + std::chrono::hours(1);
  Clock::time_point now_ = start_;
  std::vector<Process> processes_;
  std::vector<Life> life_;  // by process id
  std::vector<Scheduled> events_;
  std::vector<Pending> pending_;
  std::vector<std::size_t> free_;  // places in pending_ to reuse
  long seq_ = 0;
  bool interrupt_sent_ = false;
  std::map<std::string, int, std::less<>> attempts_of_;
};

}  // namespace dt

// How the engine starts and talks to processes, wherever they run. The engine never forks or
// opens sockets itself: it asks a Transport, and waits on it for events. Tests swap in
// FakeTransport (src/transport/testing/), which runs scripted runners on a virtual clock.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace dt {

using Clock = std::chrono::steady_clock;

struct ProcessSpec {
  std::string node;        // which node runs it ("local" for this box)
  std::vector<std::string> argv;  // argv[0] is looked up in PATH
  std::map<std::string, std::string> env;  // added to the inherited environment
  std::string cwd;         // empty = the transport's default (the project dir)
  std::string label;       // for logs: "runner devbox_local_2", "node_setup"
  // The process reads /dev/null, not what the master writes (a hook). Its stdin still ties it
  // to the master: on a node, closing it (or losing the master) ends the process group.
  bool stdin_null = false;
  // A local process reads this file instead (an rsync batch that the relay carries to a node).
  std::string stdin_file{};
  // For a local process that reaches a node through the master's SSH session (rsync's remote
  // shell: transport/ssh_relay.h): what it runs there runs on `node`, under `command_prefix`,
  // in `cwd`. Transports without SSH ignore it.
  struct Relay {
    std::string node;
    std::vector<std::string> command_prefix;
    std::string cwd;
  };
  std::optional<Relay> relay = std::nullopt;
};

struct TransportEvent {
  enum class Kind {
    kStdout,     // bytes the process wrote to stdout
    kStderr,     // bytes the process wrote to stderr
    kExited,     // the process is gone; exit_code or signal says how
    kInterrupted // the user asked the run to stop (SIGINT/SIGTERM to the master)
  };
  Kind kind;
  int process = -1;
  std::string data{};
  int exit_code = -1;       // valid when signal == 0
  int signal = 0;           // the signal that ended it, if any
  std::string error{};      // the transport could not start or lost it (e.g. exec failed)
  bool node_lost = false;   // kExited because the connection to its node is gone
};

class Transport {
 public:
  virtual ~Transport() = default;

  // Starts a process in its own process group. Never throws: a process that cannot be
  // started produces a kExited event with `error` set.
  virtual int start(const ProcessSpec& spec) = 0;
  virtual void write_stdin(int process, const std::string& data) = 0;
  virtual void close_stdin(int process) = 0;
  // Ends the process and its whole process group (TERM, then KILL after a grace period).
  // A kExited event follows.
  virtual void terminate(int process) = 0;
  // The next event, or nullopt when `deadline` passes first.
  virtual std::optional<TransportEvent> wait(Clock::time_point deadline) = 0;
  virtual Clock::time_point now() const = 0;
  // Number of cores of a node, for `runners = auto`.
  virtual int cores(const std::string& node) = 0;
};

}  // namespace dt

#include "transport/testing/fake_transport.h"

#include <algorithm>
#include <charconv>
#include <cstring>

#include "runner/protocol.h"

namespace dt {

namespace {
Clock::duration to_duration(double seconds) {
  return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
}

// Writes a record into room made for it up front: a fleet's million records are most of what
// the fake costs, and a string grown piece by piece checks its capacity at every piece.
class RecordWriter {
 public:
  explicit RecordWriter(char* at) : p_(at) {}
  char* end() const { return p_; }
  void text(std::string_view s) {
    std::memcpy(p_, s.data(), s.size());
    p_ += s.size();
  }
  void number(long long n) { p_ = std::to_chars(p_, p_ + 24, n).ptr; }
  void number(double d) { p_ = std::to_chars(p_, p_ + 32, d).ptr; }
  // Whole milliseconds (what the fleet simulation's files take) by hand, other numbers in
  // their shortest form (which is most of a record's cost). k / 1000.0 is the double nearest
  // the decimal k/1000, so the text reads back as the same double.
  void seconds(double d) {
    double ms = d * 1000;
    auto k = static_cast<long long>(ms + 0.5);  // ms >= 0 where it is used
    if (ms < 0 || ms >= 1e12 || static_cast<double>(k) / 1000.0 != d) return number(d);
    number(k / 1000);
    *p_++ = '.';
    *p_++ = static_cast<char>('0' + k % 1000 / 100);
    *p_++ = static_cast<char>('0' + k % 100 / 10);
    *p_++ = static_cast<char>('0' + k % 10);
  }
  // `s` as a JSON string: quotes, backslashes and control bytes escaped (at most 6 bytes each).
  void json_string(std::string_view s) {
    *p_++ = '"';
    for (char c : s) {
      auto u = static_cast<unsigned char>(c);
      if (c == '"' || c == '\\') {
        *p_++ = '\\';
        *p_++ = c;
      } else if (u < 0x20) {
        const char* hex = "0123456789abcdef";
        text("\\u00");
        *p_++ = hex[u >> 4];
        *p_++ = hex[u & 15];
      } else {
        *p_++ = c;
      }
    }
    *p_++ = '"';
  }
  static constexpr std::size_t kEscapedBytesPerByte = 6;

 private:
  char* p_;
};

}  // namespace

double FakeTransport::seconds() const {
  return std::chrono::duration<double>(now_ - start_).count();
}

int FakeTransport::live_processes() const {
  int n = 0;
  for (const Life& life : life_) n += life.alive ? 1 : 0;
  return n;
}

std::size_t FakeTransport::store(TransportEvent ev, std::size_t then) {
  if (free_.empty()) {
    pending_.push_back(Pending{std::move(ev), then});
    return pending_.size() - 1;
  }
  std::size_t event = free_.back();
  free_.pop_back();
  pending_[event] = Pending{std::move(ev), then};
  return event;
}

void FakeTransport::schedule(double after_seconds, TransportEvent ev) {
  int process = ev.process;
  std::size_t event = store(std::move(ev), kNoEvent);
  push_event(Scheduled{now_ + to_duration(after_seconds), seq_++, process,
                       life_.at(process).epoch, event});
}

void FakeTransport::schedule(double after_seconds, TransportEvent ev, TransportEvent then) {
  int process = ev.process;
  std::size_t second = store(std::move(then), kNoEvent);
  std::size_t first = store(std::move(ev), second);
  // The second's seq is the next one: at the top after the first, it is still the least.
  push_event(Scheduled{now_ + to_duration(after_seconds), seq_, process,
                       life_.at(process).epoch, first});
  seq_ += 2;
}

// events_ is a 4-ary heap: half the levels of a binary one, and a node's children side by side.
// A fleet has one event pending for each of its thousands of runners, and the lower levels are
// cold by the time an event comes up.
void FakeTransport::push_event(Scheduled s) {
  std::size_t i = events_.size();
  events_.push_back(s);
  for (std::size_t parent; i > 0 && Later{}(events_[parent = (i - 1) / 4], s); i = parent) {
    events_[i] = events_[parent];
  }
  events_[i] = s;
}

void FakeTransport::pop_event() {
  Scheduled last = events_.back();
  events_.pop_back();
  std::size_t n = events_.size();
  if (n == 0) return;
  std::size_t i = 0;
  for (std::size_t first; (first = 4 * i + 1) < n; ) {
    std::size_t earliest = first;
    for (std::size_t c = first + 1; c < std::min(first + 4, n); ++c) {
      if (Later{}(events_[earliest], events_[c])) earliest = c;
    }
    if (!Later{}(last, events_[earliest])) break;
    events_[i] = events_[earliest];
    i = earliest;
  }
  events_[i] = last;
}

// Hands over the event at the top of events_; the one chained after it takes its place there.
TransportEvent FakeTransport::take_front() {
  Scheduled& top = events_.front();
  std::size_t event = top.event;
  if (event >= kFileRecord && event <= kFileEnd) return take_file_end(top);
  std::size_t then = pending_[event].then;
  if (then != kNoEvent) {
    top.event = then;
    ++top.seq;
  } else {
    pop_event();
  }
  free_.push_back(event);
  return std::move(pending_[event].event);
}

// A file's output and end marker; the record takes their place at the top, as a chained event.
TransportEvent FakeTransport::take_file_end(Scheduled& top) {
  using Kind = TransportEvent::Kind;
  int process = top.process;
  Process& p = processes_[static_cast<std::size_t>(process)];
  if (top.event != kFileRecord) {
    bool quiet = top.event == kQuietFileEnd;
    top.event = kFileRecord;
    ++top.seq;
    if (!quiet) return TransportEvent{Kind::kStderr, process, output_and_marker(p.ending.output)};
    __builtin_prefetch(&p.ending_path);
    __builtin_prefetch(&p.ending);
    return TransportEvent{Kind::kStderr, process, std::string(kEndMarker)};
  }
  pop_event();
  p.ending_file = false;
  return TransportEvent{Kind::kStdout, process, record_line(p.ending_path, p.ending)};
}

void FakeTransport::cancel(int process) { ++life_.at(process).epoch; }

// A process that has exited says nothing more, and a cancelled event never happens.
bool FakeTransport::stale(const Scheduled& s) const {
  const Life& life = life_[static_cast<std::size_t>(s.process)];
  return !life.alive || s.epoch != life.epoch;
}

void FakeTransport::drop_stale() {
  while (!events_.empty() && stale(events_.front())) take_front();
}

int FakeTransport::start(const ProcessSpec& spec) {
  int id = static_cast<int>(processes_.size());
  Process p;
  p.spec = spec;
  // A prefix (a node's command_prefix) may come first.
  p.runner = std::find(spec.argv.begin(), spec.argv.end(), "fake-runner") != spec.argv.end();
  processes_.push_back(p);
  life_.emplace_back();
  started.push_back(spec.label);
  std::string env;
  for (const auto& [k, v] : spec.env) env += k + "=" + v + ";";
  env_of[spec.label] = env;
  argv_of[spec.label] = spec.argv;

  using Kind = TransportEvent::Kind;
  if (!p.runner) {
    std::string name = spec.argv.empty() ? "" : spec.argv[0];
    std::string full;
    for (const std::string& a : spec.argv) full += (full.empty() ? "" : " ") + a;
    auto it = hook_exit.find(spec.label);
    if (it == hook_exit.end()) it = hook_exit.find(full);
    if (it == hook_exit.end()) it = hook_exit.find(name);
    int code = it == hook_exit.end() ? 0 : it->second;
    auto seconds = hook_seconds.find(spec.label);
    schedule(0.05, TransportEvent{Kind::kStdout, id, "hook " + name + " ran\n"});
    schedule(seconds == hook_seconds.end() ? 0.1 : seconds->second,
             TransportEvent{Kind::kExited, id, "", code});
    return id;
  }
  schedule(0, TransportEvent{Kind::kStdout, id, "Welcome to the fake node\npartial banner"});
  if (runner_fails_to_start) {
    auto error = start_error_of.find(spec.label);
    schedule(runner_startup_seconds,
             TransportEvent{Kind::kStderr, id,
                            error == start_error_of.end() ? "LoadError: cannot load spec_helper\n"
                                                          : error->second});
    schedule(runner_startup_seconds, TransportEvent{Kind::kExited, id, "", 1});
    return id;
  }
  schedule(runner_startup_seconds,
           TransportEvent{Kind::kStdout, id, "\n@distributest hello " + std::to_string(kProtocolVersion) + " fake\n"});
  return id;
}

void FakeTransport::write_stdin(int process, const std::string& data) {
  Process& p = processes_.at(process);
  if (!life_[static_cast<std::size_t>(process)].alive || !p.runner) return;
  // Lines are read where they are: a partial one is held until its end comes.
  std::string_view rest = data;
  if (!p.stdin_buffer.empty()) {
    p.stdin_buffer += data;
    rest = p.stdin_buffer;
  }
  // What is left is kept (a copy first: `rest` may be in the buffer itself).
  auto keep_rest = [&] { p.stdin_buffer = rest.empty() ? std::string() : std::string(rest); };
  std::size_t nl;
  while ((nl = rest.find('\n')) != std::string_view::npos) {
    std::string_view path = rest.substr(0, nl);
    rest.remove_prefix(nl + 1);
    if (path.empty()) {  // no more work
      keep_rest();
      told_no_more_work.push_back(p.spec.label);
      if (!teardown_output.empty()) {
        schedule(0, TransportEvent{TransportEvent::Kind::kStderr, process, teardown_output});
      }
      schedule(teardown_seconds, TransportEvent{TransportEvent::Kind::kExited, process, "",
                                                teardown_exit});
      return;
    }
    run_file(process, path);
  }
  keep_rest();
}

void FakeTransport::run_file(int process, std::string_view path) {
  using Kind = TransportEvent::Kind;
  Process& p = processes_.at(process);
  ++dispatch_count;
  if (keep_dispatched) dispatched.push_back(Dispatch{p.spec.label, std::string(path), seconds()});
  FakeFile f = file_for(path);
  // Counted only where it matters: a map entry per line of a million-line run is not free.
  int attempt = 1;
  if (f.crashes > 0 || f.fails > 0) {
    attempt = ++attempts_of_.try_emplace(std::string(path)).first->second;
  }
  p.current = path;
  if (f.hang || f.finishes_on_term) return;
  if (attempt <= f.crashes) {
    schedule(f.seconds, TransportEvent{Kind::kStderr, process, f.output + "Segmentation fault\n"});
    if (f.loses_own_connection) {
      TransportEvent exit{Kind::kExited, process, "", 255, 0};
      exit.error = "lost node " + p.spec.node + ": the connection broke";
      exit.node_lost = true;
      schedule(f.seconds, exit);
      return;
    }
    if (!f.loses_node) {
      schedule(f.seconds, TransportEvent{Kind::kExited, process, "", -1, 11});
      return;
    }
    // The link breaks: every channel to the node ends at once, busy or idle.
    for (std::size_t q = 0; q < processes_.size(); ++q) {
      if (!life_[q].alive || processes_[q].spec.node != p.spec.node) continue;
      TransportEvent exit{Kind::kExited, static_cast<int>(q), "", -1, 0};
      exit.error = "lost node " + p.spec.node + ": the connection broke";
      exit.node_lost = true;
      schedule(f.seconds, exit);
    }
    return;
  }
  if (attempt <= f.fails) {
    f.status = "failed";
    f.failures = 1;
  }
  if (f.record_then_dies) {
    schedule(f.seconds, TransportEvent{Kind::kStdout, process, record_line(path, f)});
    schedule(f.seconds, TransportEvent{Kind::kExited, process, "", -1, 9});
    return;
  }
  if (!p.ending_file) {  // else a line came before the last one's end: that one keeps `ending`
    p.ending_file = true;
    p.ending_path = path;
    p.ending = std::move(f);
    push_event(Scheduled{now_ + to_duration(p.ending.seconds), seq_, process,
                         life_[static_cast<std::size_t>(process)].epoch,
                         p.ending.output.empty() ? kQuietFileEnd : kFileEnd});
    seq_ += 2;  // the record's is the next one (take_file_end)
    return;
  }
  schedule(f.seconds, TransportEvent{Kind::kStderr, process, output_and_marker(f.output)},
           TransportEvent{Kind::kStdout, process, record_line(path, f)});
}

std::string FakeTransport::output_and_marker(const std::string& output) {
  std::string text;
  text.reserve(output.size() + kEndMarker.size());
  text.append(output).append(kEndMarker);
  return text;
}

FakeFile FakeTransport::file_for(std::string_view path) {
  if (auto it = files.find(path); it != files.end()) return it->second;
  if (file_script) return file_script(path);
  return FakeFile{};
}

// The record a runner writes, built by hand: a JSON object per line of a million-line run is
// most of what the fake would cost.
std::string FakeTransport::record_line(std::string_view path, const FakeFile& f) {
  // Written on the stack and copied once into a string of its size: a string made big enough
  // first would be filled (and touched) whole, and stay that big.
  std::size_t room = 160 + RecordWriter::kEscapedBytesPerByte * (path.size() + f.status.size());
  char on_stack[512];
  std::string on_heap(room > sizeof on_stack ? room : 0, '\0');
  char* start = room > sizeof on_stack ? on_heap.data() : on_stack;
  RecordWriter out(start);
  out.text(kRecordPrefix);
  out.text("result {\"path\":");
  out.json_string(path);
  out.text(",\"status\":");
  out.json_string(f.status);
  out.text(",\"duration\":");
  out.seconds(f.seconds);
  out.text(",\"examples\":");
  out.number(static_cast<long long>(f.examples));
  out.text(",\"failures\":");
  out.number(static_cast<long long>(f.failures));
  out.text(",\"pending\":0}\n");
  return std::string(start, out.end());
}

void FakeTransport::close_stdin(int process) {
  Process& p = processes_.at(process);
  if (!life_[static_cast<std::size_t>(process)].alive) return;
  // The master is gone or ending it: a runner exits at once; hooks ignore stdin.
  if (p.runner) schedule(0.01, TransportEvent{TransportEvent::Kind::kExited, process, "", 0});
}

void FakeTransport::terminate(int process) {
  Process& p = processes_.at(process);
  if (!life_[static_cast<std::size_t>(process)].alive) return;
  terminated.push_back(p.spec.label);
  cancel(process);
  using Kind = TransportEvent::Kind;
  if (auto it = files.find(p.current); p.runner && it != files.end() && it->second.finishes_on_term) {
    it->second.finishes_on_term = false;  // once
    schedule(0.5, TransportEvent{Kind::kStderr, process, std::string(kEndMarker)});
    schedule(0.5, TransportEvent{Kind::kStdout, process, record_line(p.current, it->second)});
    schedule(2.0, TransportEvent{Kind::kExited, process, "", -1, 9});
    return;
  }
  schedule(0.01, TransportEvent{Kind::kExited, process, "", -1, 15});
}

std::optional<TransportEvent> FakeTransport::wait(Clock::time_point deadline) {
  drop_stale();
  if (interrupt_at_seconds >= 0 && !interrupt_sent_) {
    Clock::time_point at = start_ + to_duration(interrupt_at_seconds);
    bool first = events_.empty() || at <= events_.front().at;
    if (first && at <= deadline) {
      interrupt_sent_ = true;
      now_ = std::max(now_, at);
      return TransportEvent{TransportEvent::Kind::kInterrupted};
    }
  }
  if (!events_.empty() && events_.front().at <= deadline) {
    now_ = std::max(now_, events_.front().at);
    TransportEvent ev = take_front();
    if (ev.kind == TransportEvent::Kind::kExited) {
      cancel(ev.process);
      life_.at(static_cast<std::size_t>(ev.process)).alive = false;
    }
    return ev;
  }
  if (deadline == Clock::time_point::max()) {
    // Nothing will ever happen, yet the engine waits forever: a bug under test. Stop it.
    deadlocked = true;
    return TransportEvent{TransportEvent::Kind::kInterrupted};
  }
  now_ = std::max(now_, deadline);
  return std::nullopt;
}

}  // namespace dt

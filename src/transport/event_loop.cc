#include "transport/event_loop.h"

#include <signal.h>

namespace dt {

EventLoop::EventLoop() : stops_(io_, SIGINT, SIGTERM) {
  stops_.add(SIGHUP);
  // A runner that dies while we write to it must not kill the master.
  signal(SIGPIPE, SIG_IGN);
  wait_for_stop();
}

void EventLoop::wait_for_stop() {
  stops_.async_wait([this](const boost::system::error_code& ec, int) {
    if (ec) return;
    push(TransportEvent{TransportEvent::Kind::kInterrupted});
    wait_for_stop();
  });
}

void EventLoop::push(TransportEvent ev) {
  auto route = routes_.find(ev.process);
  if (route == routes_.end() || ev.kind == TransportEvent::Kind::kInterrupted) {
    events_.push_back(std::move(ev));
    return;
  }
  std::function<void(TransportEvent)> handler = route->second;
  if (ev.kind == TransportEvent::Kind::kExited) routes_.erase(route);
  handler(std::move(ev));
}

bool EventLoop::interrupt_queued() const {
  for (const TransportEvent& ev : events_) {
    if (ev.kind == TransportEvent::Kind::kInterrupted) return true;
  }
  return false;
}

std::optional<TransportEvent> EventLoop::wait(Clock::time_point deadline) {
  while (events_.empty()) {
    // The signal set always has a wait pending, so run_one never returns for lack of work.
    if (deadline == Clock::time_point::max()) {
      io_.run_one();
    } else if (io_.run_one_until(deadline) == 0 && Clock::now() >= deadline) {
      return std::nullopt;
    }
    if (io_.stopped()) io_.restart();
  }
  TransportEvent ev = std::move(events_.front());
  events_.pop_front();
  return ev;
}

}  // namespace dt

// The one Boost.Asio event loop of a run, shared by the local and SSH process backends, and
// the queue of events it produces for Transport::wait(). Internal to the transport module:
// only transport/*.cc include this (it pulls in Asio).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <deque>
#include <functional>
#include <map>
#include <optional>

#include "transport/transport.h"

namespace dt {

class EventLoop {
 public:
  EventLoop();

  boost::asio::io_context& io() { return io_; }
  // Queues an event for wait(), or hands it to the process's route.
  void push(TransportEvent ev);
  // The events of process `id` go to `handler` instead of wait(), up to its kExited: a
  // process the transport runs for itself (a relay's remote command). A later call replaces it.
  void route(int id, std::function<void(TransportEvent)> handler) { routes_[id] = std::move(handler); }
  int new_process_id() { return next_id_++; }
  // Runs handlers until an event is queued or `deadline` passes.
  std::optional<TransportEvent> wait(Clock::time_point deadline);
  // A stop signal arrived and its kInterrupted event is still queued.
  bool interrupt_queued() const;

 private:
  void wait_for_stop();

  boost::asio::io_context io_;
  // SIGINT, SIGTERM and SIGHUP become kInterrupted events: the engine stops the run in order.
  boost::asio::signal_set stops_;
  std::deque<TransportEvent> events_;
  std::map<int, std::function<void(TransportEvent)>> routes_;
  int next_id_ = 0;
};

}  // namespace dt

// The engine's queue: work items (indexes into a run's items) in dispatch order, with what an
// estimate of the time left needs at hand: the expected seconds queued in all and the longest
// item queued. Recounting those on every file that finishes would be a pass over the whole
// queue per file, quadratic in a fleet's million items. Internal to the schedule module.
#pragma once

#include <cstddef>
#include <deque>
#include <vector>

namespace dt {

class WorkQueue {
 public:
  using const_iterator = std::deque<std::size_t>::const_iterator;

  WorkQueue() = default;
  // `expected_seconds[i]`: item i's expected duration.
  explicit WorkQueue(std::vector<double> expected_seconds);

  void push_back(std::size_t item);
  void push_front(std::size_t item);
  void erase(const_iterator at);

  const_iterator begin() const { return order_.begin(); }
  const_iterator end() const { return order_.end(); }
  bool empty() const { return order_.empty(); }
  std::size_t size() const { return order_.size(); }

  double total_seconds() const { return total_; }  // 0 when empty
  double longest_seconds() const;                  // 0 when empty; amortized O(log n)

 private:
  void added(std::size_t item, bool at_back);

  std::deque<std::size_t> order_;
  std::vector<double> seconds_;
  std::vector<int> times_queued_;  // per item: 0, or 1 (an item is queued once at a time)
  // Where the longest queued item is. Items pushed at the back no longer than the one pushed
  // before (a plan, longest first) are listed in that order, and the longest of them is the
  // first still queued, found by moving a cursor past those dispatched: once per item in all.
  // The others (requeued at the front, or out of order) go to a max-heap by expected seconds,
  // and leave it lazily, when they reach the top and are no longer queued. A heap of the whole
  // plan cost a pop of a million-item heap per item.
  std::vector<std::size_t> descending_;
  mutable std::size_t longest_at_ = 0;  // in descending_: those before it are not queued
  mutable std::vector<std::size_t> by_length_;
  double total_ = 0;
};

}  // namespace dt

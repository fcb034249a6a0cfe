#include "schedule/work_queue.h"

#include <algorithm>
#include <utility>

namespace dt {

WorkQueue::WorkQueue(std::vector<double> expected_seconds)
    : seconds_(std::move(expected_seconds)) {
  descending_.reserve(seconds_.size());
  times_queued_.resize(seconds_.size(), 0);
}

void WorkQueue::push_back(std::size_t item) {
  order_.push_back(item);
  added(item, true);
}

void WorkQueue::push_front(std::size_t item) {
  order_.push_front(item);
  added(item, false);
}

void WorkQueue::added(std::size_t item, bool at_back) {
  ++times_queued_[item];
  total_ += seconds_[item];
  if (at_back && (descending_.empty() || seconds_[item] <= seconds_[descending_.back()])) {
    descending_.push_back(item);
    return;
  }
  by_length_.push_back(item);
  std::push_heap(by_length_.begin(), by_length_.end(),
                 [this](std::size_t a, std::size_t b) { return seconds_[a] < seconds_[b]; });
}

void WorkQueue::erase(const_iterator at) {
  std::size_t item = *at;
  // Nearly always the front (the next longest file): the general erase costs more there.
  if (at == order_.begin()) {
    order_.pop_front();
  } else {
    order_.erase(at);
  }
  --times_queued_[item];
  // Adding and taking away leaves rounding behind: an empty queue holds exactly nothing.
  total_ = order_.empty() ? 0 : total_ - seconds_[item];
}

double WorkQueue::longest_seconds() const {
  auto shorter = [this](std::size_t a, std::size_t b) { return seconds_[a] < seconds_[b]; };
  while (!by_length_.empty() && times_queued_[by_length_.front()] == 0) {
    std::pop_heap(by_length_.begin(), by_length_.end(), shorter);
    by_length_.pop_back();
  }
  while (longest_at_ < descending_.size() && times_queued_[descending_[longest_at_]] == 0) {
    ++longest_at_;
  }
  double longest = by_length_.empty() ? 0 : seconds_[by_length_.front()];
  if (longest_at_ < descending_.size()) {
    longest = std::max(longest, seconds_[descending_[longest_at_]]);
  }
  return longest;
}

}  // namespace dt

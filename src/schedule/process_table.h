// A map from process ids to what the engine knows of each, looked up for every event. Transports
// number processes from a counter (the fake one and RealTransport's loop alike), so the ids of a
// run lie close together: those are kept in a vector from the first id seen, one load per
// lookup where a hash map's node was a cache miss each. An id far from the others (no transport
// gives one, but the interface does not promise) goes to a hash map. Internal to the schedule
// module.
#pragma once

#include <algorithm>
#include <cstddef>
#include <optional>
#include <unordered_map>
#include <vector>

namespace dt {

template <typename Info>
class ProcessTable {
 public:
  void insert(int id, Info info) {
    erase(id);
    if (std::optional<std::size_t> at = place(id)) {
      dense_[*at] = info;
    } else {
      sparse_.insert_or_assign(id, info);
    }
    ++size_;
  }
  // Null when `id` is not in the table.
  const Info* find(int id) const {
    if (std::optional<std::size_t> at = slot(id); at && dense_[*at]) return &*dense_[*at];
    auto it = sparse_.find(id);
    return it == sparse_.end() ? nullptr : &it->second;
  }
  void erase(int id) {
    if (std::optional<std::size_t> at = slot(id); at && dense_[*at]) {
      dense_[*at].reset();
      --size_;
    } else if (sparse_.erase(id) > 0) {
      --size_;
    }
  }
  bool empty() const { return size_ == 0; }
  std::size_t size() const { return size_; }
  // Every id in the table, in increasing order.
  std::vector<int> ids() const {
    std::vector<int> out;
    out.reserve(size_);
    for (std::size_t i = 0; i < dense_.size(); ++i) {
      if (dense_[i]) out.push_back(static_cast<int>(first_ + static_cast<long long>(i)));
    }
    for (const auto& entry : sparse_) out.push_back(entry.first);
    std::sort(out.begin(), out.end());
    return out;
  }

 private:
  // Past this many unused places beyond the vector's end, an id goes to the hash map.
  static constexpr std::size_t kMaxGap = 4096;

  // The place of `id` in dense_, if it has one.
  std::optional<std::size_t> slot(int id) const {
    if (dense_.empty() || id < first_) return std::nullopt;
    auto at = static_cast<std::size_t>(static_cast<long long>(id) - first_);
    if (at >= dense_.size()) return std::nullopt;
    return at;
  }
  // The place of `id`, made when it is near enough; the first id sets where the vector starts.
  std::optional<std::size_t> place(int id) {
    if (dense_.empty()) first_ = id;
    if (id < first_) return std::nullopt;
    auto at = static_cast<std::size_t>(static_cast<long long>(id) - first_);
    if (at >= dense_.size() + kMaxGap) return std::nullopt;
    if (at >= dense_.size()) dense_.resize(at + 1);
    return at;
  }

  std::vector<std::optional<Info>> dense_;  // by id - first_
  long long first_ = 0;
  std::unordered_map<int, Info> sparse_;
  std::size_t size_ = 0;
};

}  // namespace dt

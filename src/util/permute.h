// Reordering a big vector where it is: a fleet's million results or plan entries are hundreds of
// bytes each, and sorting them by value would move each one many times.
#pragma once

#include <algorithm>
#include <cstddef>
#include <functional>
#include <utility>
#include <vector>

namespace dt {

// Puts `items` in `order` (items[i] becomes what was items[order[i]]; `order` is a permutation
// of the indexes), one move per item, by following each cycle of the permutation.
template <typename T>
void permute_in_place(std::vector<T>& items, std::vector<std::size_t> order) {
  constexpr std::size_t kPlaced = static_cast<std::size_t>(-1);
  for (std::size_t start = 0; start < order.size(); ++start) {
    if (order[start] == kPlaced || order[start] == start) continue;
    T first = std::move(items[start]);
    std::size_t to = start;
    while (order[to] != start) {
      std::size_t from = order[to];
      items[to] = std::move(items[from]);
      order[to] = kPlaced;
      to = from;
    }
    items[to] = std::move(first);
    order[to] = kPlaced;
  }
}

// Sorts `items` when they are nearly in order already (each a few places from where it belongs):
// results kept as they arrive are, where clock ties or a record's own duration move a few. An
// insertion sort, linear for those; past `max_shifts_per_item` shifts an item on average it stops
// and sorts them with std::sort, so a list far out of order costs n log n, not n^2. Not stable
// once it falls back: give keys that never tie.
template <typename T, typename Less = std::less<>>
void sort_nearly_sorted(std::vector<T>& items, std::size_t max_shifts_per_item = 8,
                        Less less = {}) {
  std::size_t budget = max_shifts_per_item * items.size();
  for (std::size_t i = 1; i < items.size(); ++i) {
    if (!less(items[i], items[i - 1])) continue;
    T moving = std::move(items[i]);
    std::size_t hole = i;
    do {
      items[hole] = std::move(items[hole - 1]);
      --hole;
      if (budget-- == 0) {
        items[hole] = std::move(moving);
        std::sort(items.begin(), items.end(), less);
        return;
      }
    } while (hole > 0 && less(moving, items[hole - 1]));
    items[hole] = std::move(moving);
  }
}

}  // namespace dt

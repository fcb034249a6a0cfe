// Reordering a big vector where it is: a fleet's million results or plan entries are hundreds of
// bytes each, and sorting them by value would move each one many times.
#pragma once

#include <cstddef>
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

}  // namespace dt

// Huge pages for the arrays a fleet's run keeps per work item (results, plan entries, the queue):
// hundreds of MB, which at 4 KB a page cost a page fault per page on first touch and a TLB miss
// every few entries on each pass, much of a million-item run's CPU on a virtual machine. Linux
// backs advised memory with 2 MB pages when transparent huge pages are set to "madvise" (the
// common default) or "always"; elsewhere this does nothing.
#pragma once

#include <cstddef>
#include <vector>

namespace dt {

// Advises the whole 2 MB pages within [data, data + bytes), before they are first touched. A
// range under a few MB is left alone: it would gain nothing. Never fails (advice is advice).
void advise_huge_pages(const void* data, std::size_t bytes);

// The capacity of `items` (reserve() it first).
template <typename T>
void advise_huge_pages(const std::vector<T>& items) {
  advise_huge_pages(items.data(), items.capacity() * sizeof(T));
}

}  // namespace dt

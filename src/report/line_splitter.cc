#include "report/line_splitter.h"

#include <algorithm>

namespace dt {

namespace {

void emit(const LineSplitter::Sink& sink, const std::string& source, std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  sink(source, line);
}

}  // namespace

LineSplitter::LineSplitter(std::size_t max_partial)
    : max_partial_(std::max<std::size_t>(max_partial, 1)) {}

void LineSplitter::feed(const std::string& source, std::string_view text, const Sink& sink) {
  for (std::size_t nl; (nl = text.find('\n')) != std::string_view::npos;
       text.remove_prefix(nl + 1)) {
    std::string_view piece = text.substr(0, nl);
    auto it = partial_.find(source);
    if (it == partial_.end()) {
      emit(sink, source, piece);  // the common case: straight from the chunk, no copy
    } else {
      it->second.append(piece);
      std::string line = std::move(it->second);
      partial_.erase(it);
      emit(sink, source, line);
    }
  }
  while (!text.empty()) {
    std::string& held = partial_[source];
    std::size_t take = std::min(max_partial_ - held.size(), text.size());
    held.append(text.substr(0, take));
    text.remove_prefix(take);
    if (held.size() >= max_partial_) flush(source, sink);
  }
}

void LineSplitter::flush(const std::string& source, const Sink& sink) {
  auto it = partial_.find(source);
  if (it == partial_.end()) return;
  // Erased before the sink runs, so a sink that feeds this splitter again sees a clean state.
  std::string line = std::move(it->second);
  partial_.erase(it);
  emit(sink, source, line);
}

void LineSplitter::flush_all(const Sink& sink) {
  while (!partial_.empty()) {
    std::string source = partial_.begin()->first;  // a copy: flush erases the key
    flush(source, sink);
  }
}

std::size_t LineSplitter::buffered() const {
  std::size_t n = 0;
  for (const auto& [source, held] : partial_) n += held.size();
  return n;
}

}  // namespace dt

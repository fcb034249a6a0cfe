// A value kept behind a pointer that copies as the value does: for the rarely filled part of a
// struct held by the million (FileResult's details), so that the common case costs one null
// pointer instead of the part's bytes. Empty until first written through `make()`.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <memory>
#include <vector>

namespace dt {

template <typename T>
class Boxed {
 public:
  Boxed() = default;
  Boxed(const Boxed& other) : value_(other.value_ ? std::make_unique<T>(*other.value_) : nullptr) {}
  Boxed(Boxed&&) noexcept = default;
  Boxed& operator=(const Boxed& other) {
    if (this != &other) value_ = other.value_ ? std::make_unique<T>(*other.value_) : nullptr;
    return *this;
  }
  Boxed& operator=(Boxed&&) noexcept = default;
  ~Boxed() = default;

  const T* get() const { return value_.get(); }
  // The value, made (default) on first use.
  T& make() {
    if (!value_) value_ = std::make_unique<T>();
    return *value_;
  }
  void reset() { value_.reset(); }

 private:
  std::unique_ptr<T> value_;
};

// A list most holders leave empty (a selection's example ids, a timing's per-example
// durations), behind a Boxed pointer: 8 bytes where empty, not a vector's 24. Read as the
// vector it holds (list()); written by push_back, or whole.
template <typename T>
class BoxedVector {
 public:
  using value_type = T;
  using const_iterator = typename std::vector<T>::const_iterator;
  using iterator = const_iterator;

  BoxedVector() = default;
  BoxedVector(std::initializer_list<T> items) : BoxedVector(std::vector<T>(items)) {}
  BoxedVector(std::vector<T> items) {  // NOLINT: converts, as the vector it stands for would
    if (!items.empty()) box_.make() = std::move(items);
  }

  const std::vector<T>& list() const {
    static const std::vector<T> kNone;
    return box_.get() ? *box_.get() : kNone;
  }
  const_iterator begin() const { return list().begin(); }
  const_iterator end() const { return list().end(); }
  std::size_t size() const { return list().size(); }
  bool empty() const { return list().empty(); }
  const T& operator[](std::size_t i) const { return list()[i]; }
  void push_back(T item) { box_.make().push_back(std::move(item)); }
  void clear() { box_.reset(); }
  bool operator==(const BoxedVector& other) const { return list() == other.list(); }

 private:
  Boxed<std::vector<T>> box_;
};

}  // namespace dt

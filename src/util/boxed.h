// A value kept behind a pointer that copies as the value does: for the rarely filled part of a
// struct held by the million (FileResult's details), so that the common case costs one null
// pointer instead of the part's bytes. Empty until first written through `make()`.
#pragma once

#include <memory>

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

}  // namespace dt

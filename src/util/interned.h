// A string kept once for all its copies: the node and runner names that each of a fleet's
// million results carries, 8 bytes a copy where a string is 32. Equal values share one entry,
// so two are compared by pointer. Entries live as long as the program (names are few: one per
// node and runner); making one takes a lock, so a hot path makes its names once and copies them.
#pragma once

#include <compare>
#include <cstddef>
#include <iosfwd>
#include <string>
#include <string_view>

namespace dt {

class Interned {
 public:
  Interned() : value_(&empty_value()) {}  // "", without a lock: results are made by the million
  Interned(std::string_view value);  // NOLINT: converts, as the string it stands for would
  Interned(const std::string& value) : Interned(std::string_view(value)) {}  // NOLINT
  Interned(const char* value) : Interned(std::string_view(value)) {}  // NOLINT

  const std::string& str() const { return *value_; }
  operator const std::string&() const { return *value_; }  // NOLINT: reads as the string
  bool empty() const { return value_->empty(); }
  std::size_t size() const { return value_->size(); }

  friend bool operator==(const Interned& a, const Interned& b) { return a.value_ == b.value_; }
  friend bool operator==(const Interned& a, std::string_view b) { return *a.value_ == b; }
  friend bool operator==(const Interned& a, const char* b) { return *a.value_ == b; }
  friend bool operator==(const Interned& a, const std::string& b) { return *a.value_ == b; }
  friend std::strong_ordering operator<=>(const Interned& a, const Interned& b) {
    return *a.value_ <=> *b.value_;
  }

 private:
  static const std::string& empty_value();
  const std::string* value_;
};

inline std::string operator+(const std::string& a, const Interned& b) { return a + b.str(); }
inline std::string operator+(std::string&& a, const Interned& b) { return std::move(a) + b.str(); }
inline std::string operator+(const Interned& a, const std::string& b) { return a.str() + b; }
inline std::string operator+(const char* a, const Interned& b) { return a + b.str(); }
inline std::string operator+(const Interned& a, const char* b) { return a.str() + b; }
inline std::string operator+(const Interned& a, char b) { return a.str() + b; }
inline std::string operator+(const Interned& a, const Interned& b) { return a.str() + b.str(); }
std::ostream& operator<<(std::ostream& out, const Interned& value);

}  // namespace dt

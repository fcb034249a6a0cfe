#include "util/interned.h"

#include <mutex>
#include <ostream>
#include <set>

namespace dt {
namespace {

// Never destroyed: an Interned in a static may outlive any other static.
std::set<std::string, std::less<>>& pool() {
  static auto* values = new std::set<std::string, std::less<>>;
  return *values;
}

std::mutex& pool_lock() {
  static auto* lock = new std::mutex;
  return *lock;
}

const std::string* intern(std::string_view value, const std::string& empty) {
  if (value.empty()) return &empty;
  std::lock_guard<std::mutex> hold(pool_lock());
  auto it = pool().find(value);
  if (it == pool().end()) it = pool().emplace(value).first;
  return &*it;
}

}  // namespace

const std::string& Interned::empty_value() {
  static const auto* empty = new std::string;
  return *empty;
}

Interned::Interned(std::string_view value) : value_(intern(value, empty_value())) {}

std::ostream& operator<<(std::ostream& out, const Interned& value) { return out << value.str(); }

}  // namespace dt

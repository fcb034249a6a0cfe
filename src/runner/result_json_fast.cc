// The result record's JSON in its common shape, read in one pass (result_json_fast.h). A fleet's
// master reads a million records; the general parser builds a JSON tree of maps and strings for
// each, which was most of what a record cost. Whatever this reader is unsure of it refuses, and
// the general parser reads it as before.
#include "runner/result_json_fast.h"

#include <array>
#include <charconv>
#include <climits>
#include <cstdint>

namespace dt {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// The bytes a string holds as they are: printable ASCII (DEL included) but '"' and '\\'. One
// look-up a byte, where three comparisons were most of what reading a record cost.
constexpr auto kPlain = [] {
  std::array<bool, 256> plain{};
  for (int c = 0x20; c < 0x80; ++c) plain[static_cast<std::size_t>(c)] = c != '"' && c != '\\';
  return plain;
}();

class Reader {
 public:
  explicit Reader(std::string_view text) : p_(text.data()), end_(text.data() + text.size()) {}

  // JSON's whitespace, then `c`.
  bool take(char c) {
    skip_space();
    if (p_ == end_ || *p_ != c) return false;
    ++p_;
    return true;
  }
  bool at_end() {
    skip_space();
    return p_ == end_;
  }

  // A string of printable ASCII (DEL included) without escapes: what it says is its bytes.
  bool string(std::string_view& out) {
    if (!take('"')) return false;
    // A local pointer: a char read through p_ could alias p_ itself, so the compiler would
    // store and reload it at every byte.
    const char* start = p_;
    const char* p = start;
    while (p != end_ && kPlain[static_cast<unsigned char>(*p)]) ++p;
    if (p == end_ || *p != '"') return false;  // an escape, a control or non-ASCII byte
    out = std::string_view(start, static_cast<std::size_t>(p - start));
    p_ = p + 1;
    return true;
  }

  // A non-negative integer up to INT_MAX, in JSON's form (no sign, no leading zero).
  bool count(int& out) {
    skip_space();
    const char* start = p_;
    if (!integer_digits()) return false;
    if (p_ != end_ && (*p_ == '.' || *p_ == 'e' || *p_ == 'E')) return false;  // a float
    // Nine digits or fewer cannot pass INT_MAX: added up here, as counts nearly always are.
    if (p_ - start <= 9) {
      int value = 0;
      for (const char* d = start; d != p_; ++d) value = value * 10 + (*d - '0');
      out = value;
      return true;
    }
    auto [end, ec] = std::from_chars(start, p_, out);
    return ec == std::errc() && end == p_;  // out of range: INT_MAX at most
  }

  // A non-negative number in JSON's form, as the general parser reads it: an integer converted
  // from uint64_t, anything else correctly rounded (as strtod does). Out of range: refused.
  bool seconds(double& out) {
    skip_space();
    const char* start = p_;
    if (!integer_digits()) return false;
    bool integer = true;
    const char* fraction = nullptr;
    if (p_ != end_ && *p_ == '.') {
      integer = false;
      fraction = ++p_;
      if (!digits()) return false;
    }
    if (p_ != end_ && (*p_ == 'e' || *p_ == 'E')) {
      fraction = nullptr;
      integer = false;
      ++p_;
      if (p_ != end_ && (*p_ == '+' || *p_ == '-')) ++p_;
      if (!digits()) return false;
    }
    if (integer) {
      std::uint64_t value = 0;
      auto [end, ec] = std::from_chars(start, p_, value);
      if (ec != std::errc() || end != p_) return false;
      out = static_cast<double>(value);
      return true;
    }
    if (fraction && decimal(start, fraction, out)) return true;
    auto [end, ec] = std::from_chars(start, p_, out);
    return ec == std::errc() && end == p_;
  }

  // `{ "key": value, ... }`: `member(key)` reads each value; false from it refuses the whole.
  template <typename Member>
  bool object(Member&& member) {
    if (!take('{')) return false;
    if (take('}')) return true;
    do {
      std::string_view key;
      if (!string(key) || !take(':') || !member(key)) return false;
    } while (take(','));
    return take('}');
  }

  template <typename Element>
  bool array(Element&& element) {
    if (!take('[')) return false;
    if (take(']')) return true;
    do {
      if (!element()) return false;
    } while (take(','));
    return take(']');
  }

 private:
  void skip_space() {
    const char* p = p_;
    while (p != end_ && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) ++p;
    p_ = p;
  }
  bool digits() {
    const char* p = p_;
    while (p != end_ && is_digit(*p)) ++p;
    bool any = p != p_;
    p_ = p;
    return any;
  }
  // `0`, or digits that do not start with 0.
  bool integer_digits() {
    if (p_ == end_ || !is_digit(*p_)) return false;
    if (*p_ == '0') {
      ++p_;
      return true;
    }
    return digits();
  }

  // "<digits>.<digits>" (15 digits at most) as the mantissa's integer over a power of ten: both
  // are exact doubles, and IEEE division rounds correctly, so this is the double nearest the
  // decimal, as from_chars gives (Clinger's fast path). Durations are nearly all such, and
  // from_chars was a tenth of what a record cost.
  bool decimal(const char* start, const char* fraction, double& out) const {
    static constexpr double kPowers[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7,
                                         1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
    if (p_ - start > 16) return false;  // 15 digits and the point
    std::uint64_t mantissa = 0;
    for (const char* d = start; d != p_; ++d) {
      if (*d != '.') mantissa = mantissa * 10 + static_cast<std::uint64_t>(*d - '0');
    }
    out = static_cast<double>(mantissa) / kPowers[p_ - fraction];
    return true;
  }

  const char* p_;
  const char* end_;
};

// Each key once: a repeated key is the general parser's to settle (its last value wins).
bool first_time(unsigned& seen, int bit) {
  unsigned mask = 1u << bit;
  if (seen & mask) return false;
  seen |= mask;
  return true;
}

bool read_string(Reader& in, std::string& out) {
  std::string_view text;
  if (!in.string(text)) return false;
  out.assign(text);
  return true;
}

bool read_case(Reader& in, CaseResult& c) {
  unsigned seen = 0;
  return in.object([&](std::string_view key) {
    if (key == "id") return first_time(seen, 0) && read_string(in, c.id);
    if (key == "name") return first_time(seen, 1) && read_string(in, c.name);
    if (key == "location") return first_time(seen, 2) && read_string(in, c.location);
    if (key == "status") return first_time(seen, 3) && read_string(in, c.status);
    if (key == "message") return first_time(seen, 4) && read_string(in, c.message);
    if (key == "backtrace") return first_time(seen, 5) && read_string(in, c.backtrace);
    if (key == "duration") return first_time(seen, 6) && in.seconds(c.duration_seconds);
    return false;  // unknown: the general parser skips it
  });
}

bool read_status(Reader& in, FileStatus& out) {
  std::string_view status;
  if (!in.string(status)) return false;
  if (status == "passed") {
    out = FileStatus::kPassed;
  } else if (status == "failed") {
    out = FileStatus::kFailed;
  } else if (status == "error") {
    out = FileStatus::kError;
  } else {
    return false;  // an unknown status is an error, worded by the general parser
  }
  return true;
}

}  // namespace

bool parse_result_json_fast(std::string_view json, FileResult& result) {
  FileResult parsed;
  Reader in(json);
  unsigned seen = 0;
  bool ok = in.object([&](std::string_view key) {
    if (key == "path") return first_time(seen, 0) && read_string(in, parsed.path);
    if (key == "status") return first_time(seen, 1) && read_status(in, parsed.status);
    if (key == "duration") return first_time(seen, 2) && in.seconds(parsed.duration_seconds);
    if (key == "examples") return first_time(seen, 3) && in.count(parsed.examples);
    if (key == "failures") return first_time(seen, 4) && in.count(parsed.failures);
    if (key == "pending") return first_time(seen, 5) && in.count(parsed.pending);
    if (key == "errors") return first_time(seen, 6) && in.count(parsed.errors);
    if (key == "message") return first_time(seen, 7) && read_string(in, parsed.error());
    if (key == "cases") {
      return first_time(seen, 8) &&
             in.array([&] { return read_case(in, parsed.cases().emplace_back()); });
    }
    return false;
  });
  // The status is the one key a record must have.
  if (!ok || !in.at_end() || !(seen & 2u)) return false;
  result = std::move(parsed);
  return true;
}

}  // namespace dt

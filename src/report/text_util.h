// Text helpers the reports share. Test output is untrusted bytes: it may hold invalid UTF-8,
// terminal escapes and control characters, and each destination (terminal, XML, a one-line
// status) tolerates a different subset of them.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace dt {

// Writes `content` to `path`, replacing it. Returns "" or the error in words.
std::string write_text_file(const std::string& path, std::string_view content);

// Up to the first newline.
inline std::string_view first_line(std::string_view text) { return text.substr(0, text.find('\n')); }

// The last `n` lines of `text` (a final newline does not start an empty line).
std::string_view tail_lines(std::string_view text, std::size_t n);

// "12.3s" (with `tenths`, else "12s"), "2m05s", "1h02m": short enough for a status line,
// exact enough for a report. Negative durations show as 0.
std::string format_duration(double seconds, bool tenths);

// "1 file", "3 files".
std::string count_noun(int n, const char* singular, const char* plural);

// Removes ANSI escape sequences (CSI such as colours, OSC such as titles and links).
std::string strip_ansi(std::string_view text);

// Valid UTF-8: each invalid byte becomes U+FFFD. With `xml`, characters XML 1.0 forbids (C0
// controls other than tab, newline and carriage return; U+FFFE, U+FFFF) are dropped as well.
std::string sanitize_utf8(std::string_view text, bool xml = false);

// One safe line for a terminal: valid UTF-8, control characters (escapes, newlines) shown as
// '?', so a hostile file name cannot move the cursor or hide the status line.
std::string printable(std::string_view text);

// Code points in valid UTF-8 text: what a terminal shows, near enough for elision.
std::size_t display_width(std::string_view text);

// Cuts the middle of `text` to at most `width` code points, putting "..." in the gap.
std::string elide_middle(std::string_view text, std::size_t width);

// Text made safe as XML or HTML text (or, with `attribute`, as a quoted attribute value):
// escape sequences stripped, valid UTF-8 of characters XML 1.0 allows, markup characters
// escaped.
std::string markup_escape(std::string_view text, bool attribute);

}  // namespace dt

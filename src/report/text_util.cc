#include "report/text_util.h"

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace dt {

namespace {

bool is_continuation(unsigned char c) { return (c & 0xC0) == 0x80; }

// Decodes one strictly valid UTF-8 sequence at text[i] (no overlongs, no surrogates, nothing
// past U+10FFFF). Returns its length, or 0 when the byte at `i` does not start one.
std::size_t decode(std::string_view text, std::size_t i, char32_t& cp) {
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  unsigned char c = byte(i);
  if (c < 0x80) {
    cp = c;
    return 1;
  }
  std::size_t len;
  unsigned char lo = 0x80, hi = 0xBF;  // the allowed range of the second byte
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
    cp = c & 0x1F;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    cp = c & 0x0F;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    cp = c & 0x07;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (i + len > text.size()) return 0;
  if (byte(i + 1) < lo || byte(i + 1) > hi) return 0;
  for (std::size_t k = 1; k < len; ++k) {
    if (!is_continuation(byte(i + k))) return 0;
    cp = (cp << 6) | (byte(i + k) & 0x3F);
  }
  return len;
}

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// Byte offset just past the first `n` code points of valid UTF-8 text.
std::size_t offset_of(std::string_view text, std::size_t n) {
  std::size_t i = 0;
  while (i < text.size() && n > 0) {
    ++i;
    while (i < text.size() && is_continuation(static_cast<unsigned char>(text[i]))) ++i;
    --n;
  }
  return i;
}

}  // namespace

std::string format_duration(double seconds, bool tenths) {
  if (seconds < 0) seconds = 0;
  char buf[32];
  if (seconds < 60) {
    std::snprintf(buf, sizeof buf, tenths ? "%.1fs" : "%.0fs", seconds);
    return buf;
  }
  long s = static_cast<long>(seconds + 0.5);
  if (s < 3600)
    std::snprintf(buf, sizeof buf, "%ldm%02lds", s / 60, s % 60);
  else
    std::snprintf(buf, sizeof buf, "%ldh%02ldm", s / 3600, (s % 3600) / 60);
  return buf;
}

std::string count_noun(int n, const char* singular, const char* plural) {
  return std::to_string(n) + " " + (n == 1 ? singular : plural);
}

std::string write_text_file(const std::string& path, std::string_view content) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return path + ": " + std::strerror(errno);
  bool ok = std::fwrite(content.data(), 1, content.size(), f) == content.size();
  int write_errno = errno;
  // fclose flushes, so a full disk may only show here.
  if (std::fclose(f) != 0 && ok) {
    ok = false;
    write_errno = errno;
  }
  if (!ok) return path + ": " + std::strerror(write_errno);
  return "";
}

std::string_view tail_lines(std::string_view text, std::size_t n) {
  if (n == 0 || text.empty()) return {};
  std::size_t end = text.size();
  if (text[end - 1] == '\n') --end;
  std::size_t pos = end;
  while (pos > 0) {
    std::size_t nl = text.rfind('\n', pos - 1);
    if (nl == std::string_view::npos) return text;
    if (--n == 0) return text.substr(nl + 1);
    pos = nl;
  }
  return text;
}

std::string strip_ansi(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    if (text[i] != '\x1b') {
      out += text[i++];
      continue;
    }
    if (i + 1 >= text.size()) break;  // a lone ESC at the end
    char kind = text[i + 1];
    i += 2;
    if (kind == '[') {
      // CSI: parameter and intermediate bytes, then one final byte in 0x40..0x7E.
      while (i < text.size() && !(text[i] >= 0x40 && text[i] <= 0x7E)) ++i;
      if (i < text.size()) ++i;
    } else if (kind == ']' || kind == 'P' || kind == 'X' || kind == '^' || kind == '_') {
      // String sequences run to BEL or ST (ESC \).
      while (i < text.size() && text[i] != '\a' &&
             !(text[i] == '\x1b' && i + 1 < text.size() && text[i + 1] == '\\'))
        ++i;
      if (i < text.size()) i += text[i] == '\a' ? 1 : 2;
    } else if ((kind == '(' || kind == ')' || kind == '#' || kind == '%') && i < text.size()) {
      ++i;  // charset selection and friends take one more byte
    }
  }
  return out;
}

std::string sanitize_utf8(std::string_view text, bool xml) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    char32_t cp;
    std::size_t len = decode(text, i, cp);
    if (len == 0) {
      out += kReplacement;
      ++i;
      continue;
    }
    bool forbidden = xml && ((cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') ||
                             cp == 0xFFFE || cp == 0xFFFF);
    if (!forbidden) out.append(text.substr(i, len));
    i += len;
  }
  return out;
}

std::string printable(std::string_view text) {
  std::string valid = sanitize_utf8(text);
  std::string out;
  out.reserve(valid.size());
  std::size_t i = 0;
  while (i < valid.size()) {
    char32_t cp = 0;
    std::size_t len = decode(valid, i, cp);  // never 0: `valid` is valid
    // C1 controls too: some terminals take U+009B as CSI even in UTF-8 mode.
    if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F))
      out += '?';
    else
      out.append(valid, i, len);
    i += len;
  }
  return out;
}

std::size_t display_width(std::string_view text) {
  std::size_t n = 0;
  for (char c : text)
    if (!is_continuation(static_cast<unsigned char>(c))) ++n;
  return n;
}

std::string elide_middle(std::string_view text, std::size_t width) {
  std::size_t have = display_width(text);
  if (have <= width) return std::string(text);
  if (width <= 3) return std::string("...").substr(0, width);
  std::size_t keep = width - 3;
  std::size_t head = offset_of(text, (keep + 1) / 2);
  std::size_t tail = offset_of(text, have - keep / 2);
  return std::string(text.substr(0, head)) + "..." + std::string(text.substr(tail));
}

// For text content and attribute values alike, in XML and HTML. Escape sequences go whole (stripping only the
// ESC, which XML forbids, would leave "[31m" litter), then what XML 1.0 cannot carry.
std::string markup_escape(std::string_view text, bool attribute) {
  std::string clean = sanitize_utf8(strip_ansi(text), /*xml=*/true);
  std::string out;
  out.reserve(clean.size() + clean.size() / 8);
  for (char c : clean) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;  // also keeps "]]>" out of text
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      // Parsers turn a raw CR into LF, and in attributes tabs and newlines into spaces.
      case '\r':
        out += "&#13;";
        break;
      case '\n':
        out += attribute ? "&#10;" : "\n";
        break;
      case '\t':
        out += attribute ? "&#9;" : "\t";
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace dt

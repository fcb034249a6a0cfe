#include "transport/known_hosts.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <optional>

#include "util/fd_io.h"

namespace dt {

namespace {

// Reading and appending are serialized within this process, so a connection never reads a
// line half written by another one recording a key.
std::mutex file_mutex;

constexpr std::string_view kBase64 =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string base64_encode(std::string_view data) {
  std::string out;
  for (std::size_t i = 0; i < data.size(); i += 3) {
    unsigned n = static_cast<unsigned char>(data[i]) << 16;
    if (i + 1 < data.size()) n |= static_cast<unsigned char>(data[i + 1]) << 8;
    if (i + 2 < data.size()) n |= static_cast<unsigned char>(data[i + 2]);
    out += kBase64[(n >> 18) & 63];
    out += kBase64[(n >> 12) & 63];
    out += i + 1 < data.size() ? kBase64[(n >> 6) & 63] : '=';
    out += i + 2 < data.size() ? kBase64[n & 63] : '=';
  }
  return out;
}

// Strict: whole groups of four, padding only at the end, as ssh-keygen writes it.
std::optional<std::string> base64_decode(std::string_view text) {
  if (text.empty() || text.size() % 4 != 0) return std::nullopt;
  std::size_t pad = 0;
  while (pad < 2 && text[text.size() - 1 - pad] == '=') ++pad;
  std::string out;
  unsigned n = 0;
  for (std::size_t i = 0; i < text.size() - pad; ++i) {
    std::size_t v = kBase64.find(text[i]);
    if (v == std::string_view::npos) return std::nullopt;
    n = (n << 6) | static_cast<unsigned>(v);
    if (i % 4 == 3) {
      out += static_cast<char>((n >> 16) & 255);
      out += static_cast<char>((n >> 8) & 255);
      out += static_cast<char>(n & 255);
      n = 0;
    }
  }
  if (pad == 2) out += static_cast<char>((n >> 4) & 255);
  if (pad == 1) {
    out += static_cast<char>((n >> 10) & 255);
    out += static_cast<char>((n >> 2) & 255);
  }
  return out;
}

// The SSH wire format of a key: uint32 length + bytes, field after field.
std::vector<std::string_view> ssh_fields(std::string_view blob, bool& whole) {
  std::vector<std::string_view> fields;
  std::size_t at = 0;
  while (blob.size() - at >= 4) {
    std::size_t len = 0;
    for (int i = 0; i < 4; ++i) len = (len << 8) | static_cast<unsigned char>(blob[at + i]);
    if (len > blob.size() - at - 4) break;
    fields.push_back(blob.substr(at + 4, len));
    at += 4 + len;
  }
  whole = at == blob.size();
  return fields;
}

struct KeyType {
  std::string_view name;       // as written in known_hosts
  std::string_view blob_type;  // as the blob names itself
  int fields;                  // in a well-formed blob, the type included; 0 = not checked
};

// Every key type OpenSSH 9 reads from known_hosts, so that no line ssh accepts is reported
// as malformed. Certificates are not picked apart (their layout is not all length-prefixed).
constexpr KeyType kKeyTypes[] = {
    {"ssh-ed25519", "ssh-ed25519", 2},
    {"ecdsa-sha2-nistp256", "ecdsa-sha2-nistp256", 3},
    {"ecdsa-sha2-nistp384", "ecdsa-sha2-nistp384", 3},
    {"ecdsa-sha2-nistp521", "ecdsa-sha2-nistp521", 3},
    {"ssh-rsa", "ssh-rsa", 3},
    {"rsa-sha2-256", "ssh-rsa", 3},
    {"rsa-sha2-512", "ssh-rsa", 3},
    {"ssh-dss", "ssh-dss", 5},
    {"sk-ssh-ed25519@openssh.com", "sk-ssh-ed25519@openssh.com", 3},
    {"sk-ecdsa-sha2-nistp256@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com", 4},
    {"webauthn-sk-ecdsa-sha2-nistp256@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com", 4},
    {"ssh-xmss@openssh.com", "ssh-xmss@openssh.com", 3},
    {"ssh-ed25519-cert-v01@openssh.com", "ssh-ed25519-cert-v01@openssh.com", 0},
    {"ecdsa-sha2-nistp256-cert-v01@openssh.com", "ecdsa-sha2-nistp256-cert-v01@openssh.com", 0},
    {"ecdsa-sha2-nistp384-cert-v01@openssh.com", "ecdsa-sha2-nistp384-cert-v01@openssh.com", 0},
    {"ecdsa-sha2-nistp521-cert-v01@openssh.com", "ecdsa-sha2-nistp521-cert-v01@openssh.com", 0},
    {"ssh-rsa-cert-v01@openssh.com", "ssh-rsa-cert-v01@openssh.com", 0},
    {"rsa-sha2-256-cert-v01@openssh.com", "ssh-rsa-cert-v01@openssh.com", 0},
    {"rsa-sha2-512-cert-v01@openssh.com", "ssh-rsa-cert-v01@openssh.com", 0},
    {"ssh-dss-cert-v01@openssh.com", "ssh-dss-cert-v01@openssh.com", 0},
    {"sk-ssh-ed25519-cert-v01@openssh.com", "sk-ssh-ed25519-cert-v01@openssh.com", 0},
    {"sk-ecdsa-sha2-nistp256-cert-v01@openssh.com", "sk-ecdsa-sha2-nistp256-cert-v01@openssh.com",
     0},
    {"ssh-xmss-cert-v01@openssh.com", "ssh-xmss-cert-v01@openssh.com", 0},
};

const KeyType* find_key_type(std::string_view name) {
  for (const KeyType& t : kKeyTypes) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

// Why a decoded key is not a `type` key, or "".
std::string key_problem(const KeyType& type, std::string_view blob) {
  bool whole = false;
  std::vector<std::string_view> fields = ssh_fields(blob, whole);
  if (fields.empty()) return "the key data is not an SSH key";
  if (fields[0] != type.blob_type) {
    return "the key data is a '" + std::string(fields[0]) + "' key, not '" +
           std::string(type.name) + "'";
  }
  if (type.fields == 0) return "";
  bool ok = whole && static_cast<int>(fields.size()) == type.fields;
  if (ok && type.blob_type == "ssh-ed25519") ok = fields[1].size() == 32;
  if (ok && type.blob_type.starts_with("ecdsa-sha2-")) {
    ok = fields[1] == type.blob_type.substr(std::strlen("ecdsa-sha2-"));
  }
  return ok ? "" : "the " + std::string(type.name) + " key data is malformed";
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// "|1|base64(salt)|base64(HMAC-SHA1(salt, name))": ssh-keygen -H, HashKnownHosts.
bool parse_hashed(std::string_view field, std::string& salt, std::string& hash) {
  constexpr std::string_view kMagic = "|1|";
  if (!field.starts_with(kMagic)) return false;
  field.remove_prefix(kMagic.size());
  std::size_t bar = field.find('|');
  if (bar == std::string_view::npos) return false;
  std::optional<std::string> s = base64_decode(field.substr(0, bar));
  std::optional<std::string> h = base64_decode(field.substr(bar + 1));
  if (!s || !h || s->size() != 20 || h->size() != 20) return false;
  salt = std::move(*s);
  hash = std::move(*h);
  return true;
}

bool hashed_name_matches(const KnownHostsEntry& e, const std::string& name) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  if (!HMAC(EVP_sha1(), e.salt.data(), static_cast<int>(e.salt.size()),
            reinterpret_cast<const unsigned char*>(name.data()), name.size(), out, &len)) {
    return false;
  }
  return std::string_view(reinterpret_cast<const char*>(out), len) == e.hash;
}

// OpenSSH's match_pattern: '*' any run of characters, '?' any one.
bool glob_matches(std::string_view s, std::string_view p) {
  std::size_t si = 0, pi = 0, star = std::string_view::npos, resume = 0;
  while (si < s.size()) {
    if (pi < p.size() && (p[pi] == '?' || p[pi] == s[si])) {
      ++si;
      ++pi;
    } else if (pi < p.size() && p[pi] == '*') {
      star = pi++;
      resume = si;
    } else if (star != std::string_view::npos) {
      pi = star + 1;
      si = ++resume;
    } else {
      return false;
    }
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

// OpenSSH's match_hostname: some pattern of the comma-separated list matches and no negated
// ("!pattern") one does. Case-insensitive; `name` is already lower case.
bool patterns_match(const std::string& name, const std::string& list) {
  bool positive = false;
  std::size_t start = 0;
  while (start <= list.size()) {
    std::size_t end = std::min(list.find(',', start), list.size());
    std::string pattern = lower(list.substr(start, end - start));
    bool negated = pattern.starts_with("!");
    if (negated) pattern.erase(0, 1);
    if (glob_matches(name, pattern)) {
      if (negated) return false;
      positive = true;
    }
    start = end + 1;
  }
  return positive;
}

bool entry_names(const KnownHostsEntry& e, const std::string& name) {
  return e.salt.empty() ? patterns_match(name, e.hosts) : hashed_name_matches(e, name);
}

// Splits at runs of blanks, as hostfile.c does (spaces and tabs only).
std::vector<std::string_view> words(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t at = 0;
  while (true) {
    at = line.find_first_not_of(" \t", at);
    if (at == std::string_view::npos) break;
    std::size_t end = std::min(line.find_first_of(" \t", at), line.size());
    out.push_back(line.substr(at, end - at));
    at = end;
  }
  return out;
}

// Why `line` is not an entry ("" when `entry` was filled in).
std::string parse_line(std::string_view line, KnownHostsEntry& entry) {
  if (line.find('\0') != std::string_view::npos) return "it contains a NUL byte";
  std::vector<std::string_view> w = words(line);
  std::size_t i = 0;
  if (w[0].starts_with("@")) {
    if (w[0] == "@revoked") {
      entry.marker = KnownHostsMarker::kRevoked;
    } else if (w[0] == "@cert-authority") {
      entry.marker = KnownHostsMarker::kCertAuthority;
    } else {
      return "unknown marker '" + std::string(w[0]) + "'";
    }
    ++i;
  }
  if (i >= w.size()) return "no host names after the marker";
  entry.hosts = w[i++];
  if (i >= w.size() || w[i].starts_with("#")) return "no key after the host names";
  const KeyType* type = find_key_type(w[i]);
  if (!type) return "unknown key type '" + std::string(w[i]) + "'";
  if (++i >= w.size() || w[i].starts_with("#")) return "no key data after the key type";
  std::optional<std::string> key = base64_decode(w[i]);
  if (!key) return "the key data is not valid base64";
  if (std::string why = key_problem(*type, *key); !why.empty()) return why;
  if (entry.hosts.starts_with("|") && !parse_hashed(entry.hosts, entry.salt, entry.hash)) {
    return "malformed hashed host name (not |1|salt|hash)";
  }
  entry.key_type = type->blob_type;
  entry.key = std::move(*key);
  return "";
}

// The verdict of the entries for one name (no revocation, no fallback).
HostKeyCheck check_name(const KnownHosts& known, const std::string& name, std::string_view key) {
  HostKeyCheck check;
  std::string presented = key_blob_type(key);
  for (const KnownHostsEntry& e : known.entries) {
    if (e.marker != KnownHostsMarker::kNone || !entry_names(e, name)) continue;
    if (e.key == key) return HostKeyCheck{HostKeyStatus::kKnown, e.line, "", 0};
    // The line to name: the first one, or better the first with a key of the same type.
    bool same_type = e.key_type == presented;
    if (check.status == HostKeyStatus::kUnknown || (same_type && check.known_type != presented)) {
      check = HostKeyCheck{HostKeyStatus::kChanged, e.line, e.key_type, 0};
    }
  }
  return check;
}

// The first line with `marker` naming one of `names` (and holding `key`, unless empty).
int marked_line(const KnownHosts& known, KnownHostsMarker marker,
                const std::vector<std::string>& names, std::string_view key) {
  for (const KnownHostsEntry& e : known.entries) {
    if (e.marker != marker || (!key.empty() && e.key != key)) continue;
    for (const std::string& name : names) {
      if (entry_names(e, name)) return e.line;
    }
  }
  return 0;
}

std::string errno_text(int err) { return std::strerror(err); }

// Reads what is left of `fd` from offset 0 into `text`; 0 or an errno.
int read_all(int fd, std::string& text) {
  char buffer[16384];
  off_t at = 0;
  for (;;) {
    ssize_t n = ::pread(fd, buffer, sizeof buffer, at);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno;
    if (n == 0) return 0;
    text.append(buffer, static_cast<std::size_t>(n));
    at += n;
  }
}

std::string cannot_read(const std::string& path, int err) {
  return "cannot read known_hosts file " + path + ": " + errno_text(err);
}

}  // namespace

KnownHosts parse_known_hosts(const std::string& path, std::string_view text) {
  KnownHosts known{path, {}, {}};
  int number = 0;
  while (!text.empty()) {
    std::size_t end = std::min(text.find('\n'), text.size());
    std::string_view line = text.substr(0, end);
    text.remove_prefix(std::min(end + 1, text.size()));
    ++number;
    if (line.ends_with('\r')) line.remove_suffix(1);
    std::size_t first = line.find_first_not_of(" \t");
    if (first == std::string_view::npos || line[first] == '#') continue;
    KnownHostsEntry entry;
    entry.line = number;
    if (std::string why = parse_line(line, entry); !why.empty()) {
      known.warnings.push_back(path + ":" + std::to_string(number) + ": line ignored: " + why);
      continue;
    }
    known.entries.push_back(std::move(entry));
  }
  return known;
}

std::string read_known_hosts(const std::string& path, KnownHosts& out) {
  std::lock_guard<std::mutex> lock(file_mutex);
  out = KnownHosts{path, {}, {}};
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno == ENOENT ? "" : cannot_read(path, errno);
  std::string text;
  int err = read_all(fd, text);
  ::close(fd);
  if (err != 0) return cannot_read(path, err);
  out = parse_known_hosts(path, text);
  return "";
}

std::string known_hosts_name(const std::string& host, int port) {
  if (port == 22) return lower(host);
  std::string name = "[";
  name += lower(host);
  name += "]:";
  name += std::to_string(port);
  return name;
}

HostKeyCheck check_host_key(const KnownHosts& known, const std::string& host, int port,
                            std::string_view key) {
  std::string name = known_hosts_name(host, port);
  std::vector<std::string> names{name};
  if (port != 22) names.push_back(lower(host));
  // Stricter than ssh, which honours a revocation only under the name it looked up.
  if (int line = marked_line(known, KnownHostsMarker::kRevoked, names, key)) {
    return HostKeyCheck{HostKeyStatus::kRevoked, line, "", 0};
  }
  HostKeyCheck check = check_name(known, name, key);
  if (check.status == HostKeyStatus::kUnknown && port != 22) {
    HostKeyCheck plain = check_name(known, lower(host), key);
    if (plain.status == HostKeyStatus::kKnown) return plain;
  }
  if (check.status == HostKeyStatus::kUnknown) {
    check.cert_authority_line = marked_line(known, KnownHostsMarker::kCertAuthority, names, "");
  }
  return check;
}

std::vector<std::string> known_key_types(const KnownHosts& known, const std::string& host,
                                         int port) {
  std::vector<std::string> names{known_hosts_name(host, port)};
  if (port != 22) names.push_back(lower(host));
  for (const std::string& name : names) {
    std::vector<std::string> types;
    for (const KnownHostsEntry& e : known.entries) {
      if (e.marker != KnownHostsMarker::kNone || !entry_names(e, name)) continue;
      if (std::find(types.begin(), types.end(), e.key_type) == types.end()) {
        types.push_back(e.key_type);
      }
    }
    if (!types.empty()) return types;
  }
  return {};
}

std::string key_blob_type(std::string_view key) {
  bool whole = false;
  std::vector<std::string_view> fields = ssh_fields(key, whole);
  return fields.empty() ? "" : std::string(fields[0]);
}

std::string known_hosts_line(const std::string& host, int port, std::string_view key) {
  return known_hosts_name(host, port) + " " + key_blob_type(key) + " " + base64_encode(key);
}

RecordedHostKey record_host_key(const std::string& path, const std::string& host, int port,
                                std::string_view key) {
  std::lock_guard<std::mutex> lock(file_mutex);
  RecordedHostKey result;
  auto fail = [&](const std::string& what, int err) {
    result.error = "cannot record the host key of " + known_hosts_name(host, port) + " in " + path +
                   ": " + what + (err ? ": " + errno_text(err) : "");
    return result;
  };
  int fd = ::open(path.c_str(), O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return fail("cannot open it", errno);
  struct stat st {};
  std::string text;
  int err = fstat(fd, &st) != 0 ? errno : 0;
  // A character device (known_hosts = "/dev/null", a CI idiom with accept-new) takes the line
  // as it does for ssh; anything else that is not a plain file is refused.
  if (err == 0 && S_ISREG(st.st_mode)) err = read_all(fd, text);
  if (err != 0 || (!S_ISREG(st.st_mode) && !S_ISCHR(st.st_mode))) {
    ::close(fd);
    return err ? fail("cannot read it", err) : fail("it is not a regular file", 0);
  }
  KnownHosts known = parse_known_hosts(path, text);
  result.warnings = known.warnings;
  result.check = check_host_key(known, host, port, key);
  if (result.check.status == HostKeyStatus::kUnknown) {
    // A last line without its newline would otherwise run into the new one.
    std::string line = (text.empty() || text.back() == '\n' ? "" : "\n") +
                       known_hosts_line(host, port, key) + "\n";
    err = write_all(fd, line);
  }
  if (::close(fd) != 0 && err == 0) err = errno;
  return err ? fail("cannot write it", err) : result;
}

}  // namespace dt

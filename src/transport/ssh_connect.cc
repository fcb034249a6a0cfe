#include "transport/ssh_connect.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/evp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <mutex>
#include <vector>

#include "util/environment.h"

namespace dt {

namespace {

using SteadyClock = std::chrono::steady_clock;

// A peer that stops acknowledging for this long makes the socket fail, so a cut link is noticed
// even when libssh2's keepalives are never answered (shared/notes-ssh.md: ~4.8 s after a cut).
constexpr unsigned kTcpUserTimeoutMs = 3000;

// Every host key type libssh2 1.10 can verify, for the retry when known_hosts is hashed.
const char* const kHostKeyTypes[] = {"ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384",
                                     "ecdsa-sha2-nistp521", "ssh-rsa"};

// The ~ of ~/.ssh: the password database's home, as OpenSSH has it (see ssh_home_directory).
std::string ssh_dir() { return ssh_home_directory() + "/.ssh"; }

std::string last_error(LIBSSH2_SESSION* s) {
  char* msg = nullptr;
  int len = 0;
  int code = libssh2_session_last_error(s, &msg, &len, 0);
  return std::string(msg ? msg : "unknown error") + " (libssh2 " + std::to_string(code) + ")";
}

std::string known_hosts_path(const SshNodeSpec& node) {
  return node.known_hosts.empty() ? ssh_dir() + "/known_hosts" : node.known_hosts;
}

// "host" for port 22, "[host]:port" otherwise, as OpenSSH writes known_hosts.
std::string known_hosts_name(const SshNodeSpec& node) {
  return node.port == 22 ? node.host : "[" + node.host + "]:" + std::to_string(node.port);
}

// Waits for a non-blocking connect in short slices, so a cancel is seen within one.
bool wait_connected(int fd, SteadyClock::time_point deadline, const ConnectCancel& cancel,
                    std::string& error) {
  constexpr auto kSlice = std::chrono::milliseconds(50);
  while (!cancel.cancelled()) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now());
    if (left.count() <= 0) {
      error = "connection timed out";
      return false;
    }
    pollfd p{fd, POLLOUT, 0};
    if (poll(&p, 1, static_cast<int>(std::min(left, kSlice).count())) != 1) continue;
    int soerr = 0;
    socklen_t len = sizeof soerr;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) != 0 || soerr != 0) {
      error = std::string("cannot connect: ") + std::strerror(soerr);
      return false;
    }
    return true;
  }
  error = kConnectInterrupted;
  return false;
}

int connect_tcp(const SshNodeSpec& node, SteadyClock::time_point deadline,
                const ConnectCancel& cancel, std::string& error) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  int rc = getaddrinfo(node.host.c_str(), std::to_string(node.port).c_str(), &hints, &found);
  if (rc != 0) {
    error = "cannot resolve " + node.host + ": " + gai_strerror(rc);
    return -1;
  }
  int fd = -1;
  for (addrinfo* a = found; a && fd < 0; a = a->ai_next) {
    fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, a->ai_protocol);
    if (fd < 0) continue;
    if (connect(fd, a->ai_addr, a->ai_addrlen) != 0 && errno != EINPROGRESS) {
      error = std::string("cannot connect: ") + std::strerror(errno);
      close(fd);
      fd = -1;
      continue;
    }
    if (wait_connected(fd, deadline, cancel, error)) break;
    close(fd);
    fd = -1;
  }
  freeaddrinfo(found);
  if (fd < 0) return -1;
  error.clear();
  int flags = fcntl(fd, F_GETFL);
  fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);  // libssh2 runs blocking until the hand-over
  int one = 1;
  unsigned user_timeout = kTcpUserTimeoutMs;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
  setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &user_timeout, sizeof user_timeout);
  return fd;
}

// The host key types known_hosts holds for this host in plain text. libssh2 1.10 prefers an
// ECDSA key even when known_hosts has only the ed25519 one; asking for a known type avoids a
// false "unknown host".
std::string known_key_types(const SshNodeSpec& node) {
  // libssh2 wants a session for its allocator, even to read a file.
  LIBSSH2_SESSION* s = libssh2_session_init();
  LIBSSH2_KNOWNHOSTS* kh = libssh2_knownhost_init(s);
  std::string types;
  if (libssh2_knownhost_readfile(kh, known_hosts_path(node).c_str(),
                                 LIBSSH2_KNOWNHOST_FILE_OPENSSH) >= 0) {
    std::string name = known_hosts_name(node);
    libssh2_knownhost* entry = nullptr;
    while (libssh2_knownhost_get(kh, &entry, entry) == 0) {
      if (!entry->name || name != entry->name) continue;
      int key = entry->typemask & LIBSSH2_KNOWNHOST_KEY_MASK;
      const char* type = key == LIBSSH2_KNOWNHOST_KEY_ED25519      ? "ssh-ed25519"
                         : key == LIBSSH2_KNOWNHOST_KEY_ECDSA_256  ? "ecdsa-sha2-nistp256"
                         : key == LIBSSH2_KNOWNHOST_KEY_ECDSA_384  ? "ecdsa-sha2-nistp384"
                         : key == LIBSSH2_KNOWNHOST_KEY_ECDSA_521  ? "ecdsa-sha2-nistp521"
                         : key == LIBSSH2_KNOWNHOST_KEY_SSHRSA     ? "ssh-rsa"
                                                                   : nullptr;
      if (type && types.find(type) == std::string::npos) {
        types += (types.empty() ? "" : ",") + std::string(type);
      }
    }
  }
  libssh2_knownhost_free(kh);
  libssh2_session_free(s);
  return types;
}

int knownhost_key_bits(int hostkey_type) {
  switch (hostkey_type) {
    case LIBSSH2_HOSTKEY_TYPE_ED25519: return LIBSSH2_KNOWNHOST_KEY_ED25519;
    case LIBSSH2_HOSTKEY_TYPE_ECDSA_256: return LIBSSH2_KNOWNHOST_KEY_ECDSA_256;
    case LIBSSH2_HOSTKEY_TYPE_ECDSA_384: return LIBSSH2_KNOWNHOST_KEY_ECDSA_384;
    case LIBSSH2_HOSTKEY_TYPE_ECDSA_521: return LIBSSH2_KNOWNHOST_KEY_ECDSA_521;
    case LIBSSH2_HOSTKEY_TYPE_RSA: return LIBSSH2_KNOWNHOST_KEY_SSHRSA;
    default: return LIBSSH2_KNOWNHOST_KEY_UNKNOWN;
  }
}

enum class HostKeyCheck { kMatch, kMismatch, kNotFound };

struct HostKeyVerdict {
  HostKeyCheck check;
  std::string line;  // the known_hosts line for this key
};

// Checks the session's host key; for kNotFound and accept_new, records it.
HostKeyVerdict check_host_key(LIBSSH2_SESSION* s, const SshNodeSpec& node, bool record) {
  size_t len = 0;
  int type = 0;
  const char* key = libssh2_session_hostkey(s, &len, &type);
  LIBSSH2_KNOWNHOSTS* kh = libssh2_knownhost_init(s);
  std::string path = known_hosts_path(node);
  libssh2_knownhost_readfile(kh, path.c_str(), LIBSSH2_KNOWNHOST_FILE_OPENSSH);
  int typemask = LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW | knownhost_key_bits(type);
  int rc = libssh2_knownhost_checkp(kh, node.host.c_str(), node.port, key, len, typemask, nullptr);
  HostKeyVerdict verdict{rc == LIBSSH2_KNOWNHOST_CHECK_MATCH      ? HostKeyCheck::kMatch
                         : rc == LIBSSH2_KNOWNHOST_CHECK_MISMATCH ? HostKeyCheck::kMismatch
                                                                  : HostKeyCheck::kNotFound,
                         ""};
  // The line OpenSSH would write, for the message or for accept-new.
  LIBSSH2_KNOWNHOSTS* one = libssh2_knownhost_init(s);
  libssh2_knownhost* added = nullptr;
  std::string name = known_hosts_name(node);
  if (libssh2_knownhost_addc(one, name.c_str(), nullptr, key, len, nullptr, 0, typemask,
                             &added) == 0) {
    char buf[4096];
    size_t out = 0;
    if (libssh2_knownhost_writeline(one, added, buf, sizeof buf, &out,
                                    LIBSSH2_KNOWNHOST_FILE_OPENSSH) == 0) {
      verdict.line.assign(buf, out);
      while (!verdict.line.empty() && verdict.line.back() == '\n') verdict.line.pop_back();
    }
  }
  libssh2_knownhost_free(one);
  if (verdict.check == HostKeyCheck::kNotFound && record && !verdict.line.empty()) {
    std::ofstream(path, std::ios::app) << verdict.line << "\n";
  }
  libssh2_knownhost_free(kh);
  return verdict;
}

bool looks_like_rsa_key(const std::string& private_key) {
  std::ifstream pub(private_key + ".pub");
  std::string word;
  if (pub >> word) return word == "ssh-rsa";
  std::ifstream key(private_key);
  std::string first;
  std::getline(key, first);
  return first.find("RSA PRIVATE KEY") != std::string::npos;
}

std::string authenticate(LIBSSH2_SESSION* s, const SshNodeSpec& node, std::string& method) {
  std::string user = node.user.empty() ? local_user_name() : node.user;
  std::vector<std::string> tried;
  if (node.identity.empty() && std::getenv("SSH_AUTH_SOCK")) {
    LIBSSH2_AGENT* agent = libssh2_agent_init(s);
    if (agent && libssh2_agent_connect(agent) == 0 && libssh2_agent_list_identities(agent) == 0) {
      libssh2_agent_publickey* id = nullptr;
      while (libssh2_agent_get_identity(agent, &id, id) == 0) {
        if (libssh2_agent_userauth(agent, user.c_str(), id) == 0) {
          method = std::string("ssh-agent (") + (id->comment ? id->comment : "key") + ")";
          libssh2_agent_disconnect(agent);
          libssh2_agent_free(agent);
          return "";
        }
      }
      tried.push_back("ssh-agent");
    }
    if (agent) {
      libssh2_agent_disconnect(agent);
      libssh2_agent_free(agent);
    }
  }
  std::vector<std::string> keys;
  if (!node.identity.empty()) {
    keys.push_back(node.identity);
  } else {
    for (const char* name : {"id_ed25519", "id_ecdsa", "id_rsa"}) {
      std::string path = ssh_dir() + "/" + name;
      if (access(path.c_str(), R_OK) == 0) keys.push_back(path);
    }
  }
  bool only_rsa = !keys.empty();
  for (const std::string& key : keys) {
    if (libssh2_userauth_publickey_fromfile_ex(s, user.c_str(), user.size(), nullptr, key.c_str(),
                                               "") == 0) {
      method = "key " + key;
      return "";
    }
    only_rsa = only_rsa && looks_like_rsa_key(key);
    tried.push_back(key + ": " + last_error(s));
  }
  if (only_rsa) {
    return "authentication as " + user + " failed: only RSA keys were offered, and libssh2 1.10 "
           "cannot sign with RSA for OpenSSH 8.8 and later (no rsa-sha2). Use an ed25519 or "
           "ECDSA key (ssh-keygen -t ed25519) and name it with `identity` in the [[node]] entry";
  }
  std::string why = "authentication as " + user + " failed";
  if (tried.empty()) return why + ": no ssh-agent and no key file (~/.ssh/id_ed25519, id_ecdsa)";
  why += "; tried:";
  for (const std::string& t : tried) why += " [" + t + "]";
  return why;
}

std::string probe_cores(LIBSSH2_SESSION* s, int& cores) {
  LIBSSH2_CHANNEL* ch = libssh2_channel_open_session(s);
  if (!ch) return "cannot open a channel: " + last_error(s);
  std::string out;
  if (libssh2_channel_exec(ch, "nproc 2>/dev/null || getconf _NPROCESSORS_ONLN") == 0) {
    char buf[256];
    ssize_t n;
    while ((n = libssh2_channel_read(ch, buf, sizeof buf)) > 0) out.append(buf, n);
  }
  libssh2_channel_close(ch);
  libssh2_channel_free(ch);
  cores = std::atoi(out.c_str());
  return cores > 0 ? "" : "cannot count its cores (nproc printed '" + out + "')";
}

// One attempt with a given host key preference; `verdict` says what the host key check found.
SshConnection attempt(const SshNodeSpec& node, SteadyClock::time_point deadline,
                      const std::string& key_types, bool record, ConnectCancel& cancel,
                      HostKeyVerdict& verdict) {
  SshConnection c;
  c.fd = connect_tcp(node, deadline, cancel, c.error);
  if (c.fd < 0) return c;
  if (!cancel.track(c.fd)) {
    c.error = kConnectInterrupted;
    return c;
  }
  c.session = libssh2_session_init();
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now());
  libssh2_session_set_timeout(c.session, std::max<long>(1, left.count()));
  if (!key_types.empty()) {
    libssh2_session_method_pref(c.session, LIBSSH2_METHOD_HOSTKEY, key_types.c_str());
  }
  if (libssh2_session_handshake(c.session, c.fd) != 0) {
    c.error = "SSH handshake failed: " + last_error(c.session);
    return c;
  }
  verdict = check_host_key(c.session, node, record);
  return c;
}

}  // namespace

std::string local_user_name() {
  std::string name = passwd_user_name();
  return name.empty() ? "root" : name;
}

void ConnectCancel::cancel() {
  std::lock_guard<std::mutex> lock(mutex_);
  cancelled_ = true;
  for (int fd : fds_) shutdown(fd, SHUT_RDWR);
}

bool ConnectCancel::cancelled() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return cancelled_;
}

bool ConnectCancel::track(int fd) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (cancelled_) return false;
  fds_.insert(fd);
  return true;
}

void ConnectCancel::untrack(int fd) {
  std::lock_guard<std::mutex> lock(mutex_);
  fds_.erase(fd);
}

void SshConnection::close() {
  if (session) {
    libssh2_session_disconnect(session, "distributest done");
    libssh2_session_free(session);
    session = nullptr;
  }
  if (fd >= 0) ::close(fd);
  fd = -1;
}

std::string host_key_fingerprint(LIBSSH2_SESSION* session) {
  const char* hash = libssh2_hostkey_hash(session, LIBSSH2_HOSTKEY_HASH_SHA256);
  if (!hash) return "(unknown)";
  unsigned char b64[64];
  int n = EVP_EncodeBlock(b64, reinterpret_cast<const unsigned char*>(hash), 32);
  std::string text(reinterpret_cast<char*>(b64), n);
  while (!text.empty() && text.back() == '=') text.pop_back();  // OpenSSH prints it unpadded
  return "SHA256:" + text;
}

SshConnection ssh_connect(const SshNodeSpec& node, double timeout_seconds, bool want_cores,
                          ConnectCancel& cancel) {
  static std::once_flag init;
  std::call_once(init, [] { libssh2_init(0); });
  auto deadline = SteadyClock::now() + std::chrono::duration_cast<SteadyClock::duration>(
                                           std::chrono::duration<double>(timeout_seconds));
  std::string first_types = known_key_types(node);
  std::vector<std::string> preferences{first_types};
  // Hashed known_hosts entries hide their key types: try each type before calling it unknown.
  if (first_types.empty()) preferences.assign(std::begin(kHostKeyTypes), std::end(kHostKeyTypes));

  // Every socket is untracked before it is closed or handed over.
  auto drop = [&cancel](SshConnection& x) {
    if (x.fd >= 0) cancel.untrack(x.fd);
    x.close();
  };
  SshConnection c;
  std::string unknown_message;
  for (const std::string& types : preferences) {
    HostKeyVerdict verdict{HostKeyCheck::kNotFound, ""};
    c = attempt(node, deadline, types, false, cancel, verdict);
    if (!c.error.empty()) {
      if (unknown_message.empty()) break;  // the host is not reachable at all
      drop(c);  // it has no key of this type; the next type may still be known
      c.error = unknown_message;
      continue;
    }
    if (verdict.check == HostKeyCheck::kMatch) break;
    std::string where = node.name + " (" + node.host + ":" + std::to_string(node.port) + ")";
    std::string fp = host_key_fingerprint(c.session);
    if (verdict.check == HostKeyCheck::kMismatch) {
      c.error = "HOST KEY CHANGED for " + where + ": it now presents " + fp + ", which does not "
                "match " + known_hosts_path(node) + ". Refusing to connect; if the change is "
                "expected, remove the old entry (ssh-keygen -R " + known_hosts_name(node) + ")";
      break;
    }
    if (unknown_message.empty()) {
      if (node.accept_new) {
        check_host_key(c.session, node, true);
        break;
      }
      unknown_message = "unknown host key for " + where + ": " + fp + ". If it is right, add " +
                        "this line to " + known_hosts_path(node) + ":\n  " + verdict.line +
                        "\n(or set host_key_policy = \"accept-new\" in [ssh])";
    }
    drop(c);
    c.error = unknown_message;
  }
  if (!c.error.empty()) {
    drop(c);
    if (cancel.cancelled()) c.error = kConnectInterrupted;
    return c;
  }
  std::string auth_error = authenticate(c.session, node, c.auth_method);
  if (auth_error.empty() && want_cores) auth_error = probe_cores(c.session, c.cores);
  cancel.untrack(c.fd);
  // A cancel shuts the socket down under libssh2, which then fails in its own words.
  if (cancel.cancelled()) auth_error = kConnectInterrupted;
  if (!auth_error.empty()) {
    c.close();
    c.error = auth_error;
  }
  return c;
}

}  // namespace dt

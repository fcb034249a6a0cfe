#include "transport/ssh_connect.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <mutex>
#include <optional>
#include <vector>

#include "transport/host_key.h"
#include "transport/jump_tunnel.h"
#include "transport/proxy_command.h"
#include "transport/remote_command.h"
#include "util/environment.h"

namespace dt {

namespace {

using SteadyClock = std::chrono::steady_clock;

// A peer that stops acknowledging for this long makes the socket fail, so a cut link is noticed
// (libssh2's keepalives, every second, are data to acknowledge). Its kernel acknowledges at once
// however loaded the node is; at 3 s (the first design) 64 nodes x 8 runners on this 2-core box
// still lost live nodes, so 8 s: a cut node is lost in about 9 s.
constexpr unsigned kTcpUserTimeoutMs = 8000;

// ~/.ssh with ssh's ~: the password database's home (see ssh_home_directory); "" without one.
std::string ssh_dir() {
  std::string home = ssh_home_directory();
  return home.empty() ? "" : home + "/.ssh";
}

std::string last_error(LIBSSH2_SESSION* s) {
  char* msg = nullptr;
  int len = 0;
  int code = libssh2_session_last_error(s, &msg, &len, 0);
  return std::string(msg ? msg : "unknown error") + " (libssh2 " + std::to_string(code) + ")";
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
  } else if (!node.identities.empty()) {
    keys = node.identities;
  } else {
    for (const char* name : {"id_ed25519", "id_ecdsa", "id_rsa"}) {
      std::string path = ssh_dir() + "/" + name;
      if (path.starts_with("/") && access(path.c_str(), R_OK) == 0) keys.push_back(path);
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

// Run as `sh -c PROBE`: the login shell may not be POSIX, and the probe is a script.
std::string probe_cores(LIBSSH2_SESSION* s, CpuCount& cpu) {
  LIBSSH2_CHANNEL* ch = libssh2_channel_open_session(s);
  if (!ch) return "cannot open a channel: " + last_error(s);
  std::string out;
  std::string command = "sh -c " + shell_quote(kCpuProbeScript);
  if (libssh2_channel_exec(ch, command.c_str()) == 0) {
    char buf[256];
    ssize_t n;
    while ((n = libssh2_channel_read(ch, buf, sizeof buf)) > 0) out.append(buf, n);
  }
  libssh2_channel_close(ch);
  libssh2_channel_free(ch);
  std::optional<CpuCount> parsed = parse_cpu_count(out);
  if (!parsed) return "cannot count its CPUs (the probe printed '" + out + "')";
  cpu = *parsed;
  return "";
}

double seconds_left(SteadyClock::time_point deadline) {
  return std::chrono::duration<double>(deadline - SteadyClock::now()).count();
}

// The socket of a connection to `node` through its last jump host (itself reached through
// the ones before it): one end of the tunnel's socketpair, or -1 with `c.error` set.
int connect_through_jumps(const SshNodeSpec& node, SteadyClock::time_point deadline,
                          ConnectCancel& cancel, SshConnection& c) {
  SshNodeSpec via = node.jumps.back();
  via.jumps.assign(node.jumps.begin(), node.jumps.end() - 1);
  SshConnection hop = ssh_connect(via, std::max(0.1, seconds_left(deadline)), false, cancel);
  c.warnings.insert(c.warnings.end(), hop.warnings.begin(), hop.warnings.end());
  if (!hop.ok()) {
    bool interrupted = hop.error == kConnectInterrupted;
    c.error = interrupted ? hop.error : "jump host " + via.name + ": " + hop.error;
    return -1;
  }
  // Ctrl-C while the jump host opens the channel: the socket is shut down under it.
  bool tracked = cancel.track(hop.fd);
  auto tunnel = tracked ? std::make_shared<JumpTunnel>(hop.fd, hop.session, node.host, node.port,
                                                       hop.carrier)
                        : nullptr;
  if (tracked) cancel.untrack(hop.fd);
  if (!tunnel) {
    hop.close();
    c.error = kConnectInterrupted;
    return -1;
  }
  hop.session = nullptr;  // the tunnel's now
  hop.fd = -1;
  hop.carrier.reset();
  if (!tunnel->error().empty()) {
    c.error = cancel.cancelled() ? kConnectInterrupted
                                 : "jump host " + via.name + ": " + tunnel->error();
    return -1;
  }
  c.carrier = tunnel;
  return tunnel->inner_fd();
}

// The socket of a connection to `node` carried by its ProxyCommand, or -1 with `c.error` set.
int connect_through_command(const SshNodeSpec& node, SshConnection& c,
                            std::shared_ptr<ProxyCommand>& proxy) {
  ProxyTokens tokens{node.host, node.port, node.user.empty() ? local_user_name() : node.user,
                     node.alias.empty() ? node.host : node.alias};
  std::string command;
  if (auto why = expand_proxy_command(node.proxy_command, tokens, command)) {
    c.error = "ProxyCommand: " + *why;
    return -1;
  }
  proxy = std::make_shared<ProxyCommand>(command);
  if (!proxy->error().empty()) {
    c.error = proxy->error();
    return -1;
  }
  c.carrier = proxy;
  return proxy->inner_fd();
}

// TCP connection (or one through jump hosts or a ProxyCommand) and SSH handshake, asking for
// the host key algorithms `host_keys`.
void open_session(const SshNodeSpec& node, SteadyClock::time_point deadline,
                  const std::string& host_keys, ConnectCancel& cancel, SshConnection& c) {
  std::shared_ptr<ProxyCommand> proxy;
  if (!node.jumps.empty()) {
    c.fd = connect_through_jumps(node, deadline, cancel, c);
  } else if (!node.proxy_command.empty()) {
    c.fd = connect_through_command(node, c, proxy);
  } else {
    c.fd = connect_tcp(node, deadline, cancel, c.error);
  }
  if (c.fd < 0) return;
  if (!cancel.track(c.fd)) {
    c.error = kConnectInterrupted;
    return;
  }
  c.session = libssh2_session_init();
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now());
  libssh2_session_set_timeout(c.session, std::max<long>(1, left.count()));
  libssh2_session_method_pref(c.session, LIBSSH2_METHOD_HOSTKEY, host_keys.c_str());
  if (libssh2_session_handshake(c.session, c.fd) != 0) {
    c.error = "SSH handshake failed: " + last_error(c.session);
    // A command that gave up (could not reach the host, not found, `false`) says more than
    // libssh2's "unable to exchange encryption keys".
    if (proxy && !cancel.cancelled()) {
      if (std::string ended = proxy->ended(std::chrono::milliseconds(500)); !ended.empty()) {
        c.error = ended;
      }
    }
  }
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
  carrier.reset();  // after the goodbye above, which goes through it
}

std::chrono::milliseconds SshConnection::quiet_for() const {
  if (carrier) return carrier->quiet_for();
  tcp_info info{};
  socklen_t size = sizeof info;
  if (fd < 0 || getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &size) != 0) {
    return std::chrono::milliseconds(0);
  }
  return std::chrono::milliseconds(info.tcpi_last_data_recv);
}

SshConnection ssh_connect(const SshNodeSpec& node, double timeout_seconds, bool want_cores,
                          ConnectCancel& cancel) {
  static std::once_flag init;
  std::call_once(init, [] { libssh2_init(0); });
  auto deadline = SteadyClock::now() + std::chrono::duration_cast<SteadyClock::duration>(
                                           std::chrono::duration<double>(timeout_seconds));
  // The node's known_hosts is read afresh for every connection: accept-new may have just
  // added its key, for the node's next connections or another node on the same host.
  SshConnection c;
  KnownHosts known;
  c.error = read_node_known_hosts(node, known);
  c.warnings = known.warnings;
  if (c.error.empty()) open_session(node, deadline, host_key_preference(known, node), cancel, c);
  if (c.error.empty()) c.error = verify_host_key(c.session, node, known, c.warnings);
  if (!c.error.empty()) {
    // Every socket is untracked before it is closed or handed over.
    if (c.fd >= 0) cancel.untrack(c.fd);
    c.close();
    if (cancel.cancelled()) c.error = kConnectInterrupted;
    return c;
  }
  std::string auth_error = authenticate(c.session, node, c.auth_method);
  if (auth_error.empty() && want_cores) auth_error = probe_cores(c.session, c.cpu);
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

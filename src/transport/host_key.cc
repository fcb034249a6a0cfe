#include "transport/host_key.h"

#include <openssl/evp.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>

#include "util/environment.h"

namespace dt {

namespace {

// The host key algorithms libssh2 1.10 can check against a known_hosts key, in OpenSSH's
// default order. No certificates (libssh2 cannot check them against @cert-authority lines)
// and no ssh-dss (OpenSSH 7.0 and later do not offer it). RSA is ssh-rsa alone: libssh2 1.10
// has no rsa-sha2-256/512, and OpenSSH 8.8 and later do not offer ssh-rsa.
constexpr const char* kHostKeyAlgorithms[] = {
    "ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "ssh-rsa"};

std::string where(const SshNodeSpec& node) {
  return node.name + " (" + node.host + ":" + std::to_string(node.port) + ")";
}

std::string at_line(const KnownHosts& known, int line) {
  return known.path + ":" + std::to_string(line);
}

std::string presented_key(LIBSSH2_SESSION* session) {
  std::size_t len = 0;
  int type = 0;
  const char* key = libssh2_session_hostkey(session, &len, &type);
  return key ? std::string(key, len) : "";
}

// Every key type name starts with a vowel sound: "an ssh-ed25519 key", "an ecdsa-... key".
std::string a_key(const std::string& type) { return "an " + type + " key"; }

std::string changed_message(const SshNodeSpec& node, const KnownHosts& known,
                            const HostKeyCheck& check, const std::string& type,
                            const std::string& fingerprint) {
  std::string name = known_hosts_name(node.host, node.port);
  std::string message = "HOST KEY CHANGED for " + where(node) + ": it now presents " + a_key(type) +
                        " " + fingerprint + ", but " + at_line(known, check.line) +
                        " holds another " + check.known_type + " key for it";
  if (check.known_type != type) message += " (and it offers no key of that type)";
  message +=
      ". Refusing to connect; if the change is expected, remove the old entry "
      "(ssh-keygen -R " +
      name + " -f " + known.path + ")";
  if (check.known_type == "ssh-rsa" && type != "ssh-rsa") {
    message +=
        ". If the host still has that RSA key: libssh2 1.10 cannot ask for RSA host keys "
        "as OpenSSH 8.8 and later offer them (rsa-sha2-256/512); add its other key "
        "instead (ssh-keyscan -t ed25519 " +
        node.host + ")";
  }
  return message;
}

std::string unknown_message(const SshNodeSpec& node, const KnownHosts& known,
                            const HostKeyCheck& check, const std::string& key,
                            const std::string& fingerprint) {
  std::string message = "unknown host key for " + where(node) + ": " + fingerprint +
                        ". If it is right, add this line to " + known.path + ":\n  " +
                        known_hosts_line(node.host, node.port, key) +
                        "\n(or set host_key_policy = \"accept-new\" in [ssh])";
  if (check.cert_authority_line != 0) {
    message += "\n(" + at_line(known, check.cert_authority_line) +
               " is a @cert-authority line for it, but libssh2 cannot check host certificates: "
               "known_hosts needs the host's own key)";
  }
  return message;
}

void add_new(std::vector<std::string>& to, const std::vector<std::string>& from) {
  for (const std::string& w : from) {
    if (std::find(to.begin(), to.end(), w) == to.end()) to.push_back(w);
  }
}

std::string default_known_hosts_dir() {
  std::string home = ssh_home_directory();
  return home.empty() ? "" : home + "/.ssh";
}

// As ssh does for its own file: a missing ~/.ssh is created (0700) for the first key.
RecordedHostKey record(const SshNodeSpec& node, const KnownHosts& known, const std::string& key) {
  if (node.known_hosts.empty()) ::mkdir(default_known_hosts_dir().c_str(), 0700);
  return record_host_key(known.path, node.host, node.port, key);
}

}  // namespace

std::string read_node_known_hosts(const SshNodeSpec& node, KnownHosts& known) {
  std::string path = node.known_hosts;
  if (path.empty()) {
    std::string dir = default_known_hosts_dir();
    if (dir.empty()) {
      return "no home directory to find ~/.ssh/known_hosts in (no HOME, no password entry): "
             "set known_hosts in [ssh]";
    }
    path = dir + "/known_hosts";
  }
  return read_known_hosts(path, known);
}

std::string host_key_preference(const KnownHosts& known, const SshNodeSpec& node) {
  std::vector<std::string> types = known_key_types(known, node.host, node.port);
  std::string first, rest;
  for (const char* algorithm : kHostKeyAlgorithms) {
    bool is_known = std::find(types.begin(), types.end(), algorithm) != types.end();
    std::string& list = is_known ? first : rest;
    if (!list.empty()) list += ',';
    list += algorithm;
  }
  return first.empty() ? rest : rest.empty() ? first : first + "," + rest;
}

std::string verify_host_key(LIBSSH2_SESSION* session, const SshNodeSpec& node,
                            const KnownHosts& known, std::vector<std::string>& warnings) {
  std::string key = presented_key(session);
  if (key.empty()) return "the SSH server of " + where(node) + " sent no host key";
  HostKeyCheck check = check_host_key(known, node.host, node.port, key);
  if (check.status == HostKeyStatus::kUnknown && node.accept_new) {
    RecordedHostKey recorded = record(node, known, key);
    add_new(warnings, recorded.warnings);
    if (!recorded.error.empty()) return recorded.error;
    // Anything but kUnknown: the file changed since it was read; its word now counts.
    check = recorded.check;
    if (check.status == HostKeyStatus::kUnknown) return "";
  }
  std::string type = key_blob_type(key);
  switch (check.status) {
    case HostKeyStatus::kKnown:
      return "";
    case HostKeyStatus::kChanged:
      return changed_message(node, known, check, type, host_key_fingerprint(session));
    case HostKeyStatus::kRevoked:
      return "REVOKED HOST KEY for " + where(node) + ": it presents " + a_key(type) + " " +
             host_key_fingerprint(session) + ", which " + at_line(known, check.line) +
             " marks @revoked. Refusing to connect";
    case HostKeyStatus::kUnknown:
      break;
  }
  return unknown_message(node, known, check, key, host_key_fingerprint(session));
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

}  // namespace dt

// OpenSSH known_hosts files: reading one line by line, checking a host's key against it, and
// recording a new key, with the rules of OpenSSH's ssh (hostfile.c, sshconnect.c) rather than
// libssh2's knownhost API, which stops reading at the first line it cannot parse (so every
// entry below it went unchecked) and falls back from "[host]:port" to a plain "host" entry
// even when the port has a pin of its own. No libssh2 here: keys are the blobs a server sends.
// Internal to the transport module.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace dt {

enum class KnownHostsMarker { kNone, kRevoked, kCertAuthority };

// One well-formed line of a known_hosts file.
struct KnownHostsEntry {
  int line = 0;
  KnownHostsMarker marker = KnownHostsMarker::kNone;
  std::string hosts;       // the host field as written: "a,*.b,!c" or "|1|salt|hash"
  std::string salt, hash;  // a hashed host field, decoded; both empty for patterns
  std::string key_type;    // as the key blob names it ("ssh-ed25519", "ssh-rsa")
  std::string key;         // the decoded key blob, byte for byte what a server presents
};

struct KnownHosts {
  std::string path;
  std::vector<KnownHostsEntry> entries;
  // One per line skipped as malformed: "PATH:LINE: line ignored: why", ready to print.
  std::vector<std::string> warnings;
};

// Parses the contents of `path`. Blank lines and # comments are skipped; a malformed line is
// skipped with a warning and the lines after it are read on, as OpenSSH does.
KnownHosts parse_known_hosts(const std::string& path, std::string_view text);

// Reads and parses `path` into `out`. A missing file holds no keys (OpenSSH's view). A file
// that is there but cannot be read is an error, returned ready to print ("cannot read
// known_hosts file PATH: why"): it must never look like a file without the host.
std::string read_known_hosts(const std::string& path, KnownHosts& out);

// How known_hosts names host:port, as OpenSSH writes and looks it up: "host" for port 22,
// "[host]:port" otherwise; lower case.
std::string known_hosts_name(const std::string& host, int port);

enum class HostKeyStatus { kKnown, kUnknown, kChanged, kRevoked };

struct HostKeyCheck {
  HostKeyStatus status = HostKeyStatus::kUnknown;
  int line = 0;                 // the line that matched, holds another key, or revokes it
  std::string known_type;       // kChanged: the type of the key on `line`
  int cert_authority_line = 0;  // kUnknown: a @cert-authority line for the host, unusable here
};

// Checks `key`, presented by host:port, as OpenSSH's ssh does:
//  - kRevoked when a matching @revoked line holds this key, whatever else the file says;
//  - kKnown when an entry for the host's name holds this key;
//  - kChanged when entries for the name hold only other keys, of any type (ssh says "REMOTE
//    HOST IDENTIFICATION HAS CHANGED" when a host offers no key of a type it knows);
//  - kUnknown when no entry names it. For a port other than 22, ssh then also accepts an entry
//    for the plain host name holding exactly this key; a plain entry with another key does not
//    make [host]:port changed, and never overrides a [host]:port entry.
// @cert-authority lines are not used: libssh2 cannot check host certificates.
HostKeyCheck check_host_key(const KnownHosts& known, const std::string& host, int port,
                            std::string_view key);

// The key types known_hosts holds for host:port, in file order without repeats: those of its
// [host]:port entries, else (port other than 22) those of its plain host entries, which
// check_host_key can also accept. Hashed entries count: only the key's type is in clear text.
std::vector<std::string> known_key_types(const KnownHosts& known, const std::string& host,
                                         int port);

// The type a key blob names in its first field ("ssh-ed25519"), or "" for a malformed blob.
std::string key_blob_type(std::string_view key);

// The line OpenSSH would add for host:port: "name type base64". Not hashed: upstream
// OpenSSH's HashKnownHosts defaults to no (Debian's ssh_config sets yes; `ssh-keygen -H`
// hashes a file).
std::string known_hosts_line(const std::string& host, int port, std::string_view key);

struct RecordedHostKey {
  HostKeyCheck check;                 // the file's verdict just before: kUnknown = appended
  std::string error;                  // ready to print; nothing was written
  std::vector<std::string> warnings;  // of the file as read for the check
};

// accept-new: appends known_hosts_line() to `path` (created 0600 if missing) unless the file
// now knows the host after all. The check is made again on the file as read through the
// descriptor that appends, so no line is added to a file other than the one checked, nor
// when another thread or process recorded a key for the host (the same: kKnown; another:
// kChanged) in the meantime.
RecordedHostKey record_host_key(const std::string& path, const std::string& host, int port,
                                std::string_view key);

}  // namespace dt

#include "transport/host_key.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

namespace dt {
namespace {

// Hashed by ssh-keygen -H from "[n1.example]:2222 ecdsa-sha2-nistp256 ...".
const std::string kHashedEcdsa =
    "|1|otKjnmarqiv+/R+bNTvc/CFf1WM=|sFkTT1Hy/fBb3NNByOiUHkLKNr0= ecdsa-sha2-nistp256 "
    "AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBGVlZWVlZWVlZWVlZWVlZWVlZWVl"
    "ZWVlZWVlZWVlZWVlZWVlZWVlZWVlZWVlZWVlZWVlZWVlZWVlZWVlZWVlZWU=\n";

SshNodeSpec node(const std::string& host, int port) {
  SshNodeSpec spec;
  spec.name = "n1";
  spec.host = host;
  spec.port = port;
  return spec;
}

TEST(HostKeyTest, AHashedEntryPutsItsKeyTypeFirstInTheHandshake) {
  // Hashed entries hide their names, not their types: ask for ECDSA first, not ed25519 (a
  // node without an ed25519 host key then never connected).
  KnownHosts known = parse_known_hosts("/kh", kHashedEcdsa);
  ASSERT_TRUE(known.warnings.empty()) << known.warnings[0];
  EXPECT_EQ(host_key_preference(known, node("n1.example", 2222)),
            "ecdsa-sha2-nistp256,ssh-ed25519,ecdsa-sha2-nistp384,ecdsa-sha2-nistp521,ssh-rsa");
}

TEST(HostKeyTest, AnUnknownHostIsAskedInOpenSshsOrder) {
  EXPECT_EQ(host_key_preference(parse_known_hosts("/kh", kHashedEcdsa), node("other", 22)),
            "ssh-ed25519,ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,ecdsa-sha2-nistp521,ssh-rsa");
}

TEST(HostKeyTest, AnUnreadableKnownHostsFileIsAnErrorAndAMissingOneIsEmpty) {
  std::string dir = ::testing::TempDir() + "/host_key_test." + std::to_string(getpid());
  ASSERT_EQ(mkdir(dir.c_str(), 0700), 0);
  SshNodeSpec spec = node("h", 22);
  KnownHosts known;
  spec.known_hosts = dir;
  EXPECT_EQ(read_node_known_hosts(spec, known),
            "cannot read known_hosts file " + dir + ": Is a directory");
  spec.known_hosts = dir + "/missing";
  EXPECT_EQ(read_node_known_hosts(spec, known), "");
  EXPECT_EQ(known.path, spec.known_hosts);
  EXPECT_TRUE(known.entries.empty());
  rmdir(dir.c_str());
}

}  // namespace
}  // namespace dt

#include "transport/known_hosts.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace dt {
namespace {

// An SSH wire-format field: uint32 length + bytes.
std::string field(const std::string& bytes) {
  std::string out;
  for (int shift = 24; shift >= 0; shift -= 8) {
    out += static_cast<char>((bytes.size() >> shift) & 255);
  }
  return out + bytes;
}

std::string ed25519_key(char seed) { return field("ssh-ed25519") + field(std::string(32, seed)); }

std::string ecdsa_key(char seed) {
  return field("ecdsa-sha2-nistp256") + field("nistp256") + field("\x04" + std::string(64, seed));
}

std::string base64(const std::string& key) {
  std::string line = known_hosts_line("x", 22, key);
  return line.substr(line.rfind(' ') + 1);
}

// "HOSTS TYPE BASE64" for any host field.
std::string entry(const std::string& hosts, const std::string& key) {
  return hosts + " " + key_blob_type(key) + " " + base64(key);
}

KnownHosts parse(const std::string& text) { return parse_known_hosts("/kh", text); }

HostKeyStatus status(const std::string& text, const std::string& host, int port,
                     const std::string& key) {
  return check_host_key(parse(text), host, port, key).status;
}

const std::string kReal = ed25519_key('r');
const std::string kOther = ed25519_key('o');

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string temp_path(const std::string& name) {
  std::string path =
      ::testing::TempDir() + "/known_hosts_test." + std::to_string(getpid()) + "." + name;
  unlink(path.c_str());
  return path;
}

TEST(KnownHostsTest, ABadLineDoesNotHideTheChangedKeyBelowIt) {
  // libssh2 stopped reading at line 1, so the wrong key on line 2 went unseen: "unknown", and
  // accept-new recorded the man in the middle's key.
  std::vector<std::string> bad_lines{"n1", "n1 ssh-ed25519",
                                     std::string(300, 'h') + " ssh-ed25519 AAAA",
                                     "n1 ssh-ed25519 " + std::string(5000, 'A')};
  for (const std::string& bad : bad_lines) {
    std::string text = bad + "\n" + entry("n1", kOther) + "\n";
    HostKeyCheck check = check_host_key(parse(text), "n1", 22, kReal);
    EXPECT_EQ(check.status, HostKeyStatus::kChanged) << bad.substr(0, 40);
    EXPECT_EQ(check.line, 2);
    EXPECT_EQ(check.known_type, "ssh-ed25519");
  }
}

TEST(KnownHostsTest, EachBadLineIsSkippedWithAWarningNamingPathAndLine) {
  std::string ecdsa_as_ed25519 = "h ssh-ed25519 " + base64(ecdsa_key('e'));
  std::string short_ed25519 = entry("h", field("ssh-ed25519") + field(std::string(31, 'x')));
  std::string text =
      "# a comment\n"                                // 1
      "n1\n"                                         // 2: a bare host name
      "n1 ssh-ed25519\n"                             // 3: no key
      "n1 # ssh-ed25519 AAAA\n"                      // 4: no key type
      "n1 ssh-foo AAAA\n"                            // 5: unknown type
      "n1 ssh-ed25519 !!!!\n"                        // 6: not base64
      + ecdsa_as_ed25519 + "\n"                      // 7: type and key disagree
      + short_ed25519 + "\n"                         // 8: a 31-byte ed25519 key
      + "@bogus " + entry("n1", kReal) + "\n"        // 9: unknown marker
      + entry("|1|c2FsdA==|aGFzaA==", kReal) + "\n"  // 10: salt not 20 bytes
      + entry("n1", kReal) + "\n";                   // 11: fine
  KnownHosts known = parse(text);
  ASSERT_EQ(known.warnings.size(), 9u);
  for (std::size_t i = 0; i < known.warnings.size(); ++i) {
    EXPECT_TRUE(known.warnings[i].starts_with("/kh:" + std::to_string(i + 2) + ": line ignored: "))
        << known.warnings[i];
  }
  EXPECT_NE(known.warnings[0].find("no key after the host names"), std::string::npos);
  EXPECT_NE(known.warnings[3].find("unknown key type 'ssh-foo'"), std::string::npos);
  EXPECT_NE(known.warnings[5].find("'ecdsa-sha2-nistp256' key, not 'ssh-ed25519'"),
            std::string::npos);
  ASSERT_EQ(known.entries.size(), 1u);
  EXPECT_EQ(known.entries[0].line, 11);
  EXPECT_EQ(check_host_key(known, "n1", 22, kReal).status, HostKeyStatus::kKnown);
}

TEST(KnownHostsTest, LongLinesAndLongHostNamesAreEntriesLikeAnyOther) {
  std::string long_name = std::string(300, 'a') + ".example";
  std::string long_comment = " " + std::string(5000, 'c');
  std::string long_patterns = std::string(5000, 'x') + ",n3";
  std::string text = entry(long_name, kReal) + "\n" + entry("n2", kReal) + long_comment + "\n" +
                     entry(long_patterns, kReal) + "\n";
  KnownHosts known = parse(text);
  EXPECT_TRUE(known.warnings.empty()) << known.warnings[0];
  EXPECT_EQ(check_host_key(known, long_name, 22, kReal).status, HostKeyStatus::kKnown);
  EXPECT_EQ(check_host_key(known, "n2", 22, kReal).status, HostKeyStatus::kKnown);
  EXPECT_EQ(check_host_key(known, "n3", 22, kReal).status, HostKeyStatus::kKnown);
}

// Hashed by ssh-keygen -H (OpenSSH 9.2) from "n1.example" and "[n1.example]:2222" lines.
const std::string kFakeKeyBase64 =
    "AAAAC3NzaC1lZDI1NTE5AAAAIAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8g";
const std::string kHashed =
    "|1|2xT7sVTTVla3wBUVFiT9lfLq52g=|B5kVn4AwgTnjKCWOfyNiV/8eO+k= ssh-ed25519 " + kFakeKeyBase64 +
    "\n|1|sHC6gwR7lAcWnOK1QKr5jjRs84Q=|nqnm4OZk1hblpjOpKvUHXCGuB00= ssh-ed25519 " + kFakeKeyBase64 +
    "\n";

std::string fake_key() {
  std::string bytes;
  for (int i = 1; i <= 32; ++i) bytes += static_cast<char>(i);
  return field("ssh-ed25519") + field(bytes);
}

TEST(KnownHostsTest, HashedEntriesMatchAndGiveTheirKeyTypes) {
  KnownHosts known = parse(kHashed);
  ASSERT_TRUE(known.warnings.empty()) << known.warnings[0];
  EXPECT_EQ(check_host_key(known, "n1.example", 22, fake_key()).status, HostKeyStatus::kKnown);
  EXPECT_EQ(check_host_key(known, "N1.Example", 22, fake_key()).status, HostKeyStatus::kKnown);
  HostKeyCheck port = check_host_key(known, "n1.example", 2222, fake_key());
  EXPECT_EQ(port.status, HostKeyStatus::kKnown);
  EXPECT_EQ(port.line, 2);
  EXPECT_EQ(check_host_key(known, "n1.example", 22, kOther).status, HostKeyStatus::kChanged);
  EXPECT_EQ(check_host_key(known, "n2.example", 22, fake_key()).status, HostKeyStatus::kUnknown);
  EXPECT_EQ(known_key_types(known, "n1.example", 22), std::vector<std::string>{"ssh-ed25519"});
  EXPECT_TRUE(known_key_types(known, "n2.example", 22).empty());
}

TEST(KnownHostsTest, APortsOwnEntryIsNotOverriddenByAPlainEntry) {
  std::string text = entry("[h]:2222", kOther) + "\n" + entry("h", kReal) + "\n";
  HostKeyCheck check = check_host_key(parse(text), "h", 2222, kReal);
  EXPECT_EQ(check.status, HostKeyStatus::kChanged);
  EXPECT_EQ(check.line, 1);
}

TEST(KnownHostsTest, APlainEntryWithAnotherKeyLeavesAnotherPortUnknownNotChanged) {
  std::string text = entry("h", kOther) + "\n";
  EXPECT_EQ(status(text, "h", 2222, kReal), HostKeyStatus::kUnknown);
  EXPECT_EQ(status(text, "h", 22, kReal), HostKeyStatus::kChanged);
}

TEST(KnownHostsTest, APlainEntryWithTheSameKeyServesAnotherPortAsInSsh) {
  std::string text = entry("h", ecdsa_key('e')) + "\n";
  EXPECT_EQ(status(text, "h", 2222, ecdsa_key('e')), HostKeyStatus::kKnown);
  EXPECT_EQ(known_key_types(parse(text), "h", 2222),
            std::vector<std::string>{"ecdsa-sha2-nistp256"});
}

TEST(KnownHostsTest, KnownKeyTypesAreThePortsOwnWhenItHasEntries) {
  std::string text = entry("h", kReal) + "\n" + entry("[h]:2222", ecdsa_key('e')) + "\n" +
                     entry("h", ecdsa_key('f')) + "\n";
  KnownHosts known = parse(text);
  EXPECT_EQ(known_key_types(known, "h", 2222), std::vector<std::string>{"ecdsa-sha2-nistp256"});
  EXPECT_EQ(known_key_types(known, "h", 22),
            (std::vector<std::string>{"ssh-ed25519", "ecdsa-sha2-nistp256"}));
}

TEST(KnownHostsTest, AKeyOfAnotherTypeThanTheKnownOnesIsAChangeAsInSsh) {
  HostKeyCheck check = check_host_key(parse(entry("h", kReal) + "\n"), "h", 22, ecdsa_key('e'));
  EXPECT_EQ(check.status, HostKeyStatus::kChanged);
  EXPECT_EQ(check.known_type, "ssh-ed25519");
}

TEST(KnownHostsTest, AChangeNamesTheLineWithAKeyOfThePresentedType) {
  std::string text = entry("h", ecdsa_key('e')) + "\n" + entry("h", kOther) + "\n";
  HostKeyCheck check = check_host_key(parse(text), "h", 22, kReal);
  EXPECT_EQ(check.line, 2);
  EXPECT_EQ(check.known_type, "ssh-ed25519");
}

TEST(KnownHostsTest, ARevokedKeyIsRefusedEvenWhenAlsoListedAsKnown) {
  std::string text = "@revoked " + entry("*", kReal) + "\n" + entry("h", kReal) + "\n";
  HostKeyCheck check = check_host_key(parse(text), "h", 22, kReal);
  EXPECT_EQ(check.status, HostKeyStatus::kRevoked);
  EXPECT_EQ(check.line, 1);
  EXPECT_EQ(status(text, "h", 2222, kReal), HostKeyStatus::kRevoked);
  EXPECT_EQ(status(text, "h", 22, kOther), HostKeyStatus::kChanged);
  std::string elsewhere = "@revoked " + entry("other", kReal) + "\n" + entry("h", kReal);
  EXPECT_EQ(status(elsewhere, "h", 22, kReal), HostKeyStatus::kKnown);
}

TEST(KnownHostsTest, WildcardsAndNegatedPatternsMatchAsInSsh) {
  std::string text = entry("*.example.com,!bad.example.com,10.0.0.?", kReal) + "\n";
  EXPECT_EQ(status(text, "good.example.com", 22, kReal), HostKeyStatus::kKnown);
  EXPECT_EQ(status(text, "GOOD.Example.COM", 22, kReal), HostKeyStatus::kKnown);
  EXPECT_EQ(status(text, "bad.example.com", 22, kReal), HostKeyStatus::kUnknown);
  EXPECT_EQ(status(text, "example.com", 22, kReal), HostKeyStatus::kUnknown);
  EXPECT_EQ(status(text, "10.0.0.7", 22, kReal), HostKeyStatus::kKnown);
  EXPECT_EQ(status(text, "10.0.0.17", 22, kReal), HostKeyStatus::kUnknown);
  EXPECT_EQ(status(entry("*", kReal), "h", 2222, kReal), HostKeyStatus::kKnown);
}

TEST(KnownHostsTest, CertAuthorityLinesAreNotUsedButNoted) {
  std::string text = "@cert-authority " + entry("*.example", kReal) + "\n";
  KnownHosts known = parse(text);
  EXPECT_TRUE(known.warnings.empty());
  HostKeyCheck check = check_host_key(known, "a.example", 22, kReal);
  EXPECT_EQ(check.status, HostKeyStatus::kUnknown);
  EXPECT_EQ(check.cert_authority_line, 1);
  EXPECT_TRUE(known_key_types(known, "a.example", 22).empty());
}

TEST(KnownHostsTest, CommentsBlankLinesTrailingCommentsAndCrlfAreFine) {
  std::string text = "# comment\n\n   \t\n\t" + entry("h", kReal) + " root@box\r\n" +
                     entry("k", kReal);  // no final newline
  KnownHosts known = parse(text);
  EXPECT_TRUE(known.warnings.empty()) << known.warnings[0];
  EXPECT_EQ(check_host_key(known, "h", 22, kReal).line, 4);
  EXPECT_EQ(check_host_key(known, "k", 22, kReal).status, HostKeyStatus::kKnown);
}

TEST(KnownHostsTest, TheLineToAddIsOpenSshsPlainForm) {
  EXPECT_EQ(known_hosts_line("N1.Example", 22, fake_key()),
            "n1.example ssh-ed25519 " + kFakeKeyBase64);
  EXPECT_EQ(known_hosts_line("h", 2222, fake_key()), "[h]:2222 ssh-ed25519 " + kFakeKeyBase64);
  std::string ecdsa = ecdsa_key('e');
  EXPECT_EQ(status(known_hosts_line("h", 2222, ecdsa), "h", 2222, ecdsa), HostKeyStatus::kKnown);
}

TEST(KnownHostsTest, AMissingFileHoldsNoKeysButAnUnreadableOneIsAnError) {
  KnownHosts known;
  EXPECT_EQ(read_known_hosts(temp_path("missing"), known), "");
  EXPECT_TRUE(known.entries.empty());
  std::string dir = temp_path("dir");
  ASSERT_EQ(mkdir(dir.c_str(), 0700), 0);
  std::string error = read_known_hosts(dir, known);
  EXPECT_EQ(error, "cannot read known_hosts file " + dir + ": Is a directory");
  rmdir(dir.c_str());
}

TEST(KnownHostsTest, ReadingGivesTheFilesEntriesAndWarnings) {
  std::string path = temp_path("read");
  std::ofstream(path) << "garbage\n" << entry("h", kReal) << "\n";
  KnownHosts known;
  ASSERT_EQ(read_known_hosts(path, known), "");
  EXPECT_EQ(known.path, path);
  ASSERT_EQ(known.warnings.size(), 1u);
  EXPECT_TRUE(known.warnings[0].starts_with(path + ":1: ")) << known.warnings[0];
  EXPECT_EQ(check_host_key(known, "h", 22, kReal).status, HostKeyStatus::kKnown);
  unlink(path.c_str());
}

TEST(KnownHostsTest, RecordingAppendsTheLineToANewPrivateFile) {
  std::string path = temp_path("new");
  RecordedHostKey r = record_host_key(path, "h", 2222, kReal);
  EXPECT_EQ(r.error, "");
  EXPECT_EQ(r.check.status, HostKeyStatus::kUnknown);
  EXPECT_EQ(read_file(path), known_hosts_line("h", 2222, kReal) + "\n");
  struct stat st {};
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  unlink(path.c_str());
}

TEST(KnownHostsTest, RecordingEndsAnUnfinishedLastLineFirst) {
  std::string path = temp_path("unfinished");
  std::ofstream(path) << entry("k", kOther);
  ASSERT_EQ(record_host_key(path, "h", 22, kReal).error, "");
  EXPECT_EQ(read_file(path), entry("k", kOther) + "\n" + known_hosts_line("h", 22, kReal) + "\n");
  unlink(path.c_str());
}

TEST(KnownHostsTest, RecordingNeverAddsAKeyForAHostTheFileHasAnotherKeyFor) {
  std::string path = temp_path("changed");
  std::string text = "n1\n" + entry("n1", kOther) + "\n";
  std::ofstream(path) << text;
  RecordedHostKey r = record_host_key(path, "n1", 22, kReal);
  EXPECT_EQ(r.error, "");
  EXPECT_EQ(r.check.status, HostKeyStatus::kChanged);
  EXPECT_EQ(r.warnings.size(), 1u);
  EXPECT_EQ(read_file(path), text);
  // Nor a second copy of a key recorded meanwhile.
  std::ofstream(path) << entry("n1", kReal) << "\n";
  EXPECT_EQ(record_host_key(path, "n1", 22, kReal).check.status, HostKeyStatus::kKnown);
  EXPECT_EQ(read_file(path), entry("n1", kReal) + "\n");
  unlink(path.c_str());
}

TEST(KnownHostsTest, RecordingFailsWithTheReasonWhenTheFileCannotBeWritten) {
  std::string dir = temp_path("dir-record");
  ASSERT_EQ(mkdir(dir.c_str(), 0700), 0);
  RecordedHostKey r = record_host_key(dir, "h", 22, kReal);
  EXPECT_EQ(r.error,
            "cannot record the host key of h in " + dir + ": cannot open it: Is a directory");
  rmdir(dir.c_str());
  EXPECT_EQ(record_host_key("/dev/null", "h", 22, kReal).error, "");
}

}  // namespace
}  // namespace dt

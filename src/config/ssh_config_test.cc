#include "config/ssh_config.h"

#include <gtest/gtest.h>

#include <map>
#include <mutex>

#include "util/environment.h"

namespace dt {
namespace {

// What `ssh -G` prints for a host that ssh_config says nothing about (OpenSSH 9.2), with
// `extra` lines first: ssh takes the first value of each key.
std::string ssh_g(const std::string& host, const std::string& extra = "") {
  std::string home = ssh_home_directory();
  return extra + "host " + host + "\nuser " + passwd_user_name() + "\nhostname " + host +
         "\nport 22\nstricthostkeychecking ask\n"
         "identityfile ~/.ssh/id_rsa\nidentityfile ~/.ssh/id_ecdsa\n"
         "identityfile ~/.ssh/id_ed25519\nidentityfile ~/.ssh/id_xmss\n"
         "userknownhostsfile " +
         home + "/.ssh/known_hosts " + home + "/.ssh/known_hosts2\n";
}

// Answers `ssh -G ... HOST` from a table, recording every argv it was asked.
struct FakeSsh {
  std::map<std::string, std::string> extra;  // host -> lines before the defaults
  std::vector<std::vector<std::string>> asked;
  std::mutex mutex;
  bool installed = true;
  CommandRunner runner() {
    return [this](const std::vector<std::string>& argv) {
      std::lock_guard<std::mutex> lock(mutex);
      asked.push_back(argv);
      CommandResult r;
      r.started = installed;
      if (!installed) return r;
      const std::string& host = argv.back();
      if (host == "broken") {
        r.status = 255;
        r.err = "/home/u/.ssh/config line 3: Bad configuration option: hostnam\n";
        return r;
      }
      r.status = 0;
      r.out = ssh_g(host, extra.count(host) ? extra[host] : "");
      return r;
    };
  }
};

NodeConfig node(const std::string& host) {
  NodeConfig n;
  n.name = n.host = host;
  n.origin = Origin{"/p/.distributest/config.toml", 7};
  return n;
}

TEST(SshConfigTest, ParsesTheKeysItUses) {
  SshGOutput out = parse_ssh_g(
      "user ci\nhostname 10.0.3.7\nport 2222\nidentityfile ~/.ssh/ci_key\nidentityfile "
      "~/.ssh/id_rsa\nuserknownhostsfile /h/kh1 /h/kh2\nstricthostkeychecking accept-new\n"
      "proxyjump bastion,u@j2:2200\nproxycommand nc %h %p\nforwardagent no\n");
  EXPECT_EQ(out.user, "ci");
  EXPECT_EQ(out.hostname, "10.0.3.7");
  EXPECT_EQ(out.port, 2222);
  EXPECT_EQ(out.identity_files, (std::vector<std::string>{"~/.ssh/ci_key", "~/.ssh/id_rsa"}));
  EXPECT_EQ(out.known_hosts_files, (std::vector<std::string>{"/h/kh1", "/h/kh2"}));
  EXPECT_EQ(out.strict_host_key_checking, "accept-new");
  EXPECT_EQ(out.proxy_jump, "bastion,u@j2:2200");
  EXPECT_EQ(out.proxy_command, "nc %h %p");
}

TEST(SshConfigTest, JumpHostForms) {
  JumpHost hop;
  ASSERT_FALSE(parse_jump_host("bastion", hop));
  EXPECT_EQ(hop.host, "bastion");
  EXPECT_EQ(hop.user, "");
  EXPECT_EQ(hop.port, 22);
  JumpHost full;
  ASSERT_FALSE(parse_jump_host("ssh://ops@jump.example.com:2200", full));
  EXPECT_EQ(full.user, "ops");
  EXPECT_EQ(full.host, "jump.example.com");
  EXPECT_EQ(full.port, 2200);
  JumpHost v6;
  ASSERT_FALSE(parse_jump_host("[fd00::1]:23", v6));
  EXPECT_EQ(v6.host, "fd00::1");
  EXPECT_EQ(v6.port, 23);
  for (const char* bad :
       {"", "@host", "host:0", "host:x", "host:", "[fd00::1", "-oProxyCommand=x", "a b"}) {
    JumpHost h;
    EXPECT_TRUE(parse_jump_host(bad, h)) << bad;
  }
}

TEST(SshConfigTest, FillsWhatTheConfigLeavesOpenAndSaysWhere) {
  FakeSsh ssh;
  ssh.extra["ci1"] = "hostname 10.0.3.7\nuser ci\nport 2222\nproxyjump bastion\n";
  Config config;
  std::vector<NodeConfig> nodes = {node("ci1")};
  SshConfigResolution r = apply_ssh_config(config, nodes, ssh.runner());
  ASSERT_EQ(r.error, "");
  const NodeConfig& n = nodes[0];
  EXPECT_EQ(n.host, "ci1");  // the name stays; the address is ssh_config's
  EXPECT_EQ(n.ssh.hostname, "10.0.3.7");
  EXPECT_EQ(n.user, "ci");
  EXPECT_EQ(n.port, 2222);
  ASSERT_EQ(n.jumps.size(), 1u);
  EXPECT_EQ(n.jumps[0].host, "bastion");
  EXPECT_EQ(n.ssh.source, "ssh -G ci1");
  std::vector<std::pair<std::string, std::string>> supplied = {
      {"hostname", "10.0.3.7"}, {"port", "2222"}, {"user", "ci"}, {"proxy_jump", "bastion"}};
  EXPECT_EQ(n.ssh.supplied, supplied);
  // The jump host was asked about too.
  ASSERT_EQ(ssh.asked.size(), 2u);
  EXPECT_EQ(ssh.asked[1], (std::vector<std::string>{"ssh", "-G", "--", "bastion"}));
}

TEST(SshConfigTest, TheConfigsOwnKeysWin) {
  FakeSsh ssh;
  ssh.extra["ci1"] = "user ci\nport 2222\nproxyjump bastion\nidentityfile ~/.ssh/ci_key\n";
  Config config;
  config.ssh_config = {"/p/ssh_config", Origin{"/p/c.toml", 3}};
  NodeConfig n = node("ci1");
  n.user = "deploy";
  n.port = 2200;
  n.proxy_jump = "none";
  n.identity = "/k/id";
  n.keys_given = {"user", "port", "proxy_jump", "identity"};
  std::vector<NodeConfig> nodes = {n};
  ASSERT_EQ(apply_ssh_config(config, nodes, ssh.runner()).error, "");
  EXPECT_EQ(nodes[0].user, "deploy");
  EXPECT_EQ(nodes[0].port, 2200);
  EXPECT_TRUE(nodes[0].jumps.empty());
  EXPECT_EQ(nodes[0].proxy_jump, "");
  EXPECT_TRUE(nodes[0].ssh.identities.empty());
  // Match blocks see the user and port the config gives; -F names the file.
  EXPECT_EQ(ssh.asked[0], (std::vector<std::string>{"ssh", "-G", "-F", "/p/ssh_config", "-p",
                                                    "2200", "-l", "deploy", "--", "ci1"}));
}

TEST(SshConfigTest, KnownHostsAndPolicyOnlyWhenSshSectionIsSilent) {
  FakeSsh ssh;
  ssh.extra["ci1"] = "userknownhostsfile /etc/ci_known_hosts\nstricthostkeychecking accept-new\n";
  Config config;
  std::vector<NodeConfig> nodes = {node("ci1")};
  ASSERT_EQ(apply_ssh_config(config, nodes, ssh.runner()).error, "");
  EXPECT_EQ(nodes[0].ssh.known_hosts, "/etc/ci_known_hosts");
  EXPECT_EQ(nodes[0].ssh.host_key_policy, "accept-new");

  config.known_hosts = {"/p/kh", Origin{"/p/c.toml", 4}};
  config.host_key_policy = {"strict", Origin{"/p/c.toml", 5}};
  nodes = {node("ci1")};
  ASSERT_EQ(apply_ssh_config(config, nodes, ssh.runner()).error, "");
  EXPECT_EQ(nodes[0].ssh.known_hosts, "");
  EXPECT_EQ(nodes[0].ssh.host_key_policy, "");
}

TEST(SshConfigTest, NoKeyMeansAcceptNewNeverAnyKey) {
  FakeSsh ssh;
  ssh.extra["ci1"] = "stricthostkeychecking false\n";
  Config config;
  std::vector<NodeConfig> nodes = {node("ci1")};
  ASSERT_EQ(apply_ssh_config(config, nodes, ssh.runner()).error, "");
  EXPECT_EQ(nodes[0].ssh.host_key_policy, "accept-new");
}

TEST(SshConfigTest, DefaultsAreNotReportedAsSupplied) {
  FakeSsh ssh;
  Config config;
  std::vector<NodeConfig> nodes = {node("10.0.0.5"), node(kLocalHostName)};
  ASSERT_EQ(apply_ssh_config(config, nodes, ssh.runner()).error, "");
  EXPECT_TRUE(nodes[0].ssh.supplied.empty());
  EXPECT_TRUE(nodes[0].ssh.identities.empty());  // ssh's default keys: ours are the same
  EXPECT_EQ(ssh.asked.size(), 1u);               // never for the local node
}

TEST(SshConfigTest, FirstJumpHostsOwnProxyJumpIsFollowed) {
  FakeSsh ssh;
  ssh.extra["ci1"] = "proxyjump inner,last\n";
  ssh.extra["inner"] = "proxyjump outer\nhostname 10.9.0.1\n";
  ssh.extra["last"] = "proxyjump ignored\n";
  Config config;
  std::vector<NodeConfig> nodes = {node("ci1")};
  ASSERT_EQ(apply_ssh_config(config, nodes, ssh.runner()).error, "");
  std::vector<std::string> hops;
  for (const JumpHost& h : nodes[0].jumps) hops.push_back(h.host);
  EXPECT_EQ(hops, (std::vector<std::string>{"outer", "inner", "last"}));
  EXPECT_EQ(nodes[0].jumps[1].ssh.hostname, "10.9.0.1");
}

TEST(SshConfigTest, AJumpLoopIsAnError) {
  FakeSsh ssh;
  ssh.extra["ci1"] = "proxyjump a\n";
  ssh.extra["a"] = "proxyjump a\n";
  Config config;
  std::vector<NodeConfig> nodes = {node("ci1")};
  std::string error = apply_ssh_config(config, nodes, ssh.runner()).error;
  EXPECT_NE(error.find("/p/.distributest/config.toml:7: node 'ci1': ProxyJump goes more than"),
            std::string::npos)
      << error;
}

TEST(SshConfigTest, ErrorsNameTheNodeAndSshsOwnWords) {
  FakeSsh ssh;
  Config config;
  std::vector<NodeConfig> nodes = {node("broken")};
  EXPECT_EQ(apply_ssh_config(config, nodes, ssh.runner()).error,
            "/p/.distributest/config.toml:7: node 'broken': ssh -G broken failed: "
            "/home/u/.ssh/config line 3: Bad configuration option: hostnam");

  NodeConfig bad = node("ci1");
  bad.proxy_jump = "ops@";
  bad.keys_given = {"proxy_jump"};
  nodes = {bad};
  EXPECT_EQ(apply_ssh_config(config, nodes, ssh.runner()).error,
            "/p/.distributest/config.toml:7: node 'ci1': proxy_jump 'ops@': no host in 'ops@'");

  // File descriptor passing (ProxyUseFdpass) is not done; the command would hand over a socket.
  ssh.extra["ci2"] = "proxycommand nc %h %p\nproxyusefdpass yes\n";
  nodes = {node("ci2")};
  std::string error = apply_ssh_config(config, nodes, ssh.runner()).error;
  EXPECT_NE(error.find("/p/.distributest/config.toml:7: node 'ci2': ssh -G ci2 gives it "
                       "ProxyCommand 'nc %h %p' with ProxyUseFdpass yes"),
            std::string::npos)
      << error;
}

TEST(SshConfigTest, ProxyCommandFromSshConfigIsKeptWithItsTokens) {
  FakeSsh ssh;
  ssh.extra["ci1"] = "proxycommand ssh -W %h:%p gw\nhostname 10.0.3.7\n";
  Config config;
  std::vector<NodeConfig> nodes = {node("ci1")};
  ASSERT_EQ(apply_ssh_config(config, nodes, ssh.runner()).error, "");
  EXPECT_EQ(nodes[0].proxy_command, "ssh -W %h:%p gw");  // expanded when connecting
  EXPECT_TRUE(nodes[0].jumps.empty());
  EXPECT_EQ(nodes[0].ssh.supplied.back(),
            (std::pair<std::string, std::string>{"proxy_command", "ssh -W %h:%p gw"}));
}

TEST(SshConfigTest, EitherNodeKeyOverridesBothOfSshConfigs) {
  FakeSsh ssh;
  ssh.extra["viajump"] = "proxyjump bastion\n";
  ssh.extra["viacmd"] = "proxycommand nc %h %p\n";
  Config config;
  NodeConfig a = node("viajump");
  a.proxy_command = "corkscrew proxy 8080 %h %p";
  a.keys_given = {"proxy_command"};
  NodeConfig b = node("viacmd");
  b.proxy_jump = "ops@bastion";
  b.keys_given = {"proxy_jump"};
  NodeConfig c = node("viacmd");
  c.name = "direct";
  c.proxy_command = "none";
  c.keys_given = {"proxy_command"};
  std::vector<NodeConfig> nodes = {a, b, c};
  ASSERT_EQ(apply_ssh_config(config, nodes, ssh.runner()).error, "");
  EXPECT_EQ(nodes[0].proxy_command, "corkscrew proxy 8080 %h %p");
  EXPECT_EQ(nodes[0].proxy_jump, "");
  EXPECT_TRUE(nodes[0].jumps.empty());
  EXPECT_EQ(nodes[1].proxy_command, "");
  ASSERT_EQ(nodes[1].jumps.size(), 1u);
  EXPECT_EQ(nodes[1].jumps[0].host, "bastion");
  EXPECT_EQ(nodes[2].proxy_command, "");  // "none": straight there
  EXPECT_EQ(nodes[2].proxy_jump, "");
  for (const NodeConfig& n : nodes) {
    for (const auto& [key, value] : n.ssh.supplied) {
      EXPECT_TRUE(key != "proxy_jump" && key != "proxy_command") << n.name << ": " << key;
    }
  }
}

TEST(SshConfigTest, TheFirstJumpHostsProxyCommandIsKept) {
  FakeSsh ssh;
  ssh.extra["ci1"] = "proxyjump gw,inner\n";
  ssh.extra["gw"] = "proxycommand nc -X connect -x proxy:3128 %h %p\n";
  ssh.extra["inner"] = "proxycommand ignored %h\n";  // reached through gw, as ssh does
  Config config;
  std::vector<NodeConfig> nodes = {node("ci1")};
  ASSERT_EQ(apply_ssh_config(config, nodes, ssh.runner()).error, "");
  ASSERT_EQ(nodes[0].jumps.size(), 2u);
  EXPECT_EQ(nodes[0].jumps[0].proxy_command, "nc -X connect -x proxy:3128 %h %p");
  EXPECT_EQ(nodes[0].jumps[1].proxy_command, "");
  EXPECT_EQ(nodes[0].proxy_command, "");
}

TEST(SshConfigTest, WithoutSshOrWithConfigNoneProxyJumpStillApplies) {
  FakeSsh ssh;
  ssh.installed = false;
  Config config;
  NodeConfig n = node("ci1");
  n.proxy_jump = "ops@bastion:2200";
  n.keys_given = {"proxy_jump"};
  std::vector<NodeConfig> nodes = {n};
  SshConfigResolution r = apply_ssh_config(config, nodes, ssh.runner());
  ASSERT_EQ(r.error, "");
  ASSERT_EQ(r.notes.size(), 1u);
  EXPECT_NE(r.notes[0].find("no ssh command"), std::string::npos);
  ASSERT_EQ(nodes[0].jumps.size(), 1u);
  EXPECT_EQ(nodes[0].jumps[0].user, "ops");
  EXPECT_EQ(nodes[0].jumps[0].port, 2200);

  FakeSsh unused;
  config.ssh_config = {"none", Origin{"/p/c.toml", 2}};
  nodes = {n};
  r = apply_ssh_config(config, nodes, unused.runner());
  EXPECT_TRUE(unused.asked.empty());
  EXPECT_EQ(nodes[0].jumps.size(), 1u);
}

TEST(SshConfigTest, ManyNodesAreAllResolved) {
  FakeSsh ssh;
  Config config;
  std::vector<NodeConfig> nodes;
  for (int i = 0; i < 40; ++i) {
    std::string host = "n" + std::to_string(i);
    ssh.extra[host] = "hostname 10.1.0." + std::to_string(i) + "\n";
    nodes.push_back(node(host));
  }
  ASSERT_EQ(apply_ssh_config(config, nodes, ssh.runner()).error, "");
  for (int i = 0; i < 40; ++i) EXPECT_EQ(nodes[i].ssh.hostname, "10.1.0." + std::to_string(i));
}

}  // namespace
}  // namespace dt

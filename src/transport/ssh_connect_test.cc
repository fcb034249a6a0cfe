#include "transport/ssh_connect.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <thread>

namespace dt {
namespace {

using Seconds = std::chrono::duration<double>;

// A TCP port on 127.0.0.1 that completes the TCP handshake (the kernel does, from the backlog)
// but never says a word: an SSH handshake with it blocks until its timeout.
class SilentServer {
 public:
  SilentServer() {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (bind(fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0 || listen(fd_, 8) != 0 ||
        getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      ADD_FAILURE() << "cannot listen on 127.0.0.1";
    }
    port_ = ntohs(addr.sin_port);
  }
  ~SilentServer() { close(fd_); }
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

SshNodeSpec node_at(int port) {
  SshNodeSpec node;
  node.name = "silent";
  node.host = "127.0.0.1";
  node.port = port;
  node.known_hosts = ::testing::TempDir() + "/no-such-known-hosts";
  return node;
}

TEST(SshConnectTest, CancelEndsAHandshakeThatWouldWaitForTheTimeout) {
  SilentServer server;
  ConnectCancel cancel;
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    cancel.cancel();
  });
  auto start = std::chrono::steady_clock::now();
  SshConnection c = ssh_connect(node_at(server.port()), 30, true, cancel);
  double took = Seconds(std::chrono::steady_clock::now() - start).count();
  canceller.join();
  EXPECT_FALSE(c.ok());
  EXPECT_EQ(c.error, kConnectInterrupted);
  EXPECT_LT(took, 5) << "the cancel did not end the blocked handshake";
  EXPECT_EQ(c.fd, -1) << "the socket is closed";
}

TEST(SshConnectTest, CancelledBeforehandConnectsNothing) {
  SilentServer server;
  ConnectCancel cancel;
  cancel.cancel();
  SshConnection c = ssh_connect(node_at(server.port()), 30, false, cancel);
  EXPECT_EQ(c.error, kConnectInterrupted);
  EXPECT_EQ(c.session, nullptr);
}

TEST(SshConnectTest, WithoutCancelASilentServerTimesOut) {
  SilentServer server;
  ConnectCancel cancel;
  SshConnection c = ssh_connect(node_at(server.port()), 0.3, false, cancel);
  EXPECT_FALSE(c.ok());
  EXPECT_NE(c.error, kConnectInterrupted);
  EXPECT_NE(c.error.find("handshake"), std::string::npos) << c.error;
}

// ProxyCommand: one that exits before SSH could start is named, with its stderr's first line.
TEST(SshConnectTest, AProxyCommandThatExitsAtOnceIsNamed) {
  SshNodeSpec node = node_at(22);
  node.host = "h1";
  node.proxy_command = "echo \"no way to %h:%p\" >&2; false";
  ConnectCancel cancel;
  SshConnection c = ssh_connect(node, 10, false, cancel);
  EXPECT_FALSE(c.ok());
  EXPECT_EQ(c.error,
            "ProxyCommand 'echo \"no way to h1:22\" >&2; false' exited with status 1: no way to "
            "h1:22");
  EXPECT_EQ(c.carrier, nullptr);
}

TEST(SshConnectTest, AProxyCommandWithAnUnknownTokenIsNotRun) {
  SshNodeSpec node = node_at(22);
  node.proxy_command = "nc %h %x";
  ConnectCancel cancel;
  SshConnection c = ssh_connect(node, 10, false, cancel);
  EXPECT_EQ(c.error.rfind("ProxyCommand: unknown token %x", 0), 0u) << c.error;
}

TEST(SshConnectTest, CancelEndsAHandshakeThroughASilentProxyCommand) {
  SshNodeSpec node = node_at(22);
  node.proxy_command = "exec sleep 60";
  ConnectCancel cancel;
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    cancel.cancel();
  });
  auto start = std::chrono::steady_clock::now();
  SshConnection c = ssh_connect(node, 30, false, cancel);
  canceller.join();
  EXPECT_EQ(c.error, kConnectInterrupted);
  EXPECT_LT(Seconds(std::chrono::steady_clock::now() - start).count(), 5);
}

}  // namespace
}  // namespace dt

// distributest-ssh-relay: the relay (ssh_relay.h) as a program of its own. rsync starts one per
// sync of each node; the main binary, with libssh2, OpenSSL, toml++ and spdlog to load, cost
// about 13 ms of CPU to start here, this one (static when it can be) about 2 ms.
#include "transport/ssh_relay.h"

int main(int argc, char** argv) { return dt::ssh_relay_main(argc, argv); }

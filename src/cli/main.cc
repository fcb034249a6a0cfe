#include <string_view>

#include "cli/cli.h"
#include "transport/ssh_relay.h"

int main(int argc, char** argv) {
  // rsync's remote shell during a sync: no CLI, no config, just bytes.
  if (argc > 1 && std::string_view(argv[1]) == dt::kSshRelaySubcommand) {
    return dt::ssh_relay_main(argc - 1, argv + 1);
  }
  return dt::run_cli(argc, argv);
}

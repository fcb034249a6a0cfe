#include "sync/rsync_batch.h"

#include <random>

#include "sync/sync.h"
#include "transport/remote_command.h"

namespace dt {

namespace {

// Past this the command is not worth the risk of an argument list the node refuses; such
// projects (tens of thousands of git-ignored paths) get a rsync per node, as before.
constexpr std::size_t kMaxCommand = 100 * 1024;

// A replay that has received nothing for this long is stuck: rsync 3.5 waits forever when a
// copy's file is not the batch's basis although its size and time are (measured), and ends
// with exit 30 after --timeout. A copy that is merely slow gets a rsync of its own then.
constexpr const char* kReplayTimeout = "--timeout=15";

}  // namespace

std::string new_sync_id() {
  std::random_device random;
  static const char kHex[] = "0123456789abcdef";
  std::string id;
  for (int i = 0; i < 4; ++i) {
    unsigned int word = random();
    for (int k = 0; k < 4; ++k, word >>= 4) id += kHex[word & 0xf];
  }
  return id;
}

std::optional<std::string> read_batch_command(const std::vector<std::string>& excludes,
                                              const std::string& git_rules) {
  // A placeholder for rsync_filter_args' merge file: the node has no such file, so its rules go
  // as words of their own, in its place.
  const std::string placeholder = "\n";
  std::vector<std::string> words{"rsync", "--read-batch=-", kReplayTimeout, "-a", "--delete"};
  for (std::string& word : rsync_rule_args(excludes, git_rules.empty() ? "" : placeholder)) {
    if (word != "--filter=merge " + placeholder) {
      words.push_back(std::move(word));
      continue;
    }
    std::size_t start = 0;
    while (start < git_rules.size()) {
      std::size_t end = git_rules.find('\n', start);
      if (end == std::string::npos) end = git_rules.size();
      if (end > start) words.push_back("--filter=" + git_rules.substr(start, end - start));
      start = end + 1;
    }
  }
  words.push_back("./");
  std::string command;
  for (const std::string& word : words) {
    command += (command.empty() ? "" : " ") + shell_quote(word);
    if (command.size() > kMaxCommand) return std::nullopt;
  }
  return command;
}

bool batch_does_not_fit(std::string_view output) {
  return output.find("No batched update for") != std::string_view::npos;
}

}  // namespace dt

#include "sync/artifacts.h"

#include <filesystem>
#include <map>
#include <system_error>

#include "report/status.h"
#include "sync/sync.h"
#include "transport/ssh_relay.h"
#include "transport/transport.h"

namespace dt {

namespace fs = std::filesystem;

namespace {

int count_files(const fs::path& dir) {
  int files = 0;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->is_regular_file(ec)) ++files;
  }
  return files;
}

std::string trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text;
}

}  // namespace

std::string artifacts_dir(const std::string& project_dir) {
  return (fs::path(project_dir) / ".distributest" / "artifacts").string();
}

std::vector<std::string> artifact_rsync_argv(const std::vector<std::string>& globs,
                                             const std::string& dest_dir) {
  // -m with "every directory, then the globs, then nothing" keeps exactly the matching files
  // and the directories that lead to them. First match wins, so our own entries go first.
  std::vector<std::string> argv{"rsync",         "-a",
                                "-m",            "--protect-args",
                                "-e",            ssh_relay_rsh(),
                                "--exclude=/.distributest-*", "--exclude=/.distributest/",
                                "--include=*/"};
  for (const std::string& glob : globs) argv.push_back("--include=/" + glob);
  argv.push_back("--exclude=*");
  argv.push_back(std::string(kRelayHost) + ":./");
  argv.push_back(dest_dir + "/");
  return argv;
}

std::vector<ArtifactFetch> fetch_artifacts(Transport& transport, Status& status,
                                           const std::vector<ArtifactSource>& sources,
                                           const std::vector<std::string>& globs,
                                           const std::string& project_dir) {
  std::vector<ArtifactFetch> fetches(sources.size());
  std::vector<std::string> output(sources.size());
  std::map<int, std::size_t> owner;
  for (std::size_t i = 0; i < sources.size(); ++i) {
    const ArtifactSource& source = sources[i];
    ArtifactFetch& fetch = fetches[i];
    fetch.node = source.node;
    fetch.dir = (fs::path(artifacts_dir(project_dir)) / source.node).string();
    std::error_code ec;
    fs::remove_all(fetch.dir, ec);  // ours: last run's files for this node must not mix in
    if (!ec) fs::create_directories(fetch.dir, ec);
    if (ec) {
      fetch.error = "cannot prepare " + fetch.dir + ": " + ec.message();
      continue;
    }
    ProcessSpec spec{"local", artifact_rsync_argv(globs, fetch.dir), {}, "",
                     source.node + "/artifacts"};
    // Under the busy lock, like every command of ours in the node's copy.
    spec.relay = ProcessSpec::Relay{source.node, remote_hold_prefix(), source.remote_dir};
    owner[transport.start(spec)] = i;
  }
  while (!owner.empty()) {
    std::optional<TransportEvent> ev = transport.wait(Clock::time_point::max());
    if (!ev) continue;
    if (ev->kind == TransportEvent::Kind::kInterrupted) {
      for (auto& [process, i] : owner) {
        transport.terminate(process);
        fetches[i].error = "interrupted";
      }
      owner.clear();
      break;
    }
    auto it = owner.find(ev->process);
    if (it == owner.end()) continue;
    std::size_t i = it->second;
    if (ev->kind != TransportEvent::Kind::kExited) {
      output[i] += ev->data;
      status.output(sources[i].node + "/artifacts", ev->data);
      continue;
    }
    owner.erase(it);
    ArtifactFetch& fetch = fetches[i];
    if (!ev->error.empty()) {
      fetch.error = ev->error;
    } else if (ev->signal != 0 || ev->exit_code != 0) {
      // rsync 23/24: some files vanished or could not be read; what did come is kept.
      fetch.error = "rsync exited with status " + std::to_string(ev->exit_code) +
                    (output[i].empty() ? "" : ": " + trimmed(output[i]));
    }
  }
  for (ArtifactFetch& fetch : fetches) {
    fetch.files = count_files(fetch.dir);
    if (!fetch.error.empty()) {
      status.event(Status::Level::kWarning, "artifacts from node " + fetch.node +
                                                " did not all come back: " + fetch.error);
    }
  }
  return fetches;
}

}  // namespace dt

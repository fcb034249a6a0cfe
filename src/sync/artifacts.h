// Bringing files the tests wrote on the nodes back here after the run ([artifacts] paths):
// coverage data, screenshots, logs. Each node's files land in
// <project>/.distributest/artifacts/<node>/, by the same rsync over the node's own session that
// synced the project, in the other direction.
#pragma once

#include <string>
#include <vector>

#include "report/result.h"

namespace dt {

class Status;
class Transport;

struct ArtifactSource {
  std::string node;
  std::string remote_dir;  // the node's copy of the project
};

// <project_dir>/.distributest/artifacts: what `fetch_artifacts` fills, one directory per node.
std::string artifacts_dir(const std::string& project_dir);

// The rsync command line (exposed for tests) that copies what `globs` (relative to the
// project, rsync's `**` and `*`) match in the node's copy into `dest_dir`, and nothing else:
// not the node's runtime or marker files, not empty directories.
std::vector<std::string> artifact_rsync_argv(const std::vector<std::string>& globs,
                                             const std::string& dest_dir);

// Fetches from every source in parallel, each into a fresh artifacts_dir(project)/<node> (what
// an earlier run left there is removed first). A node that cannot be reached, or whose rsync
// fails, has its error set; the others still come back.
std::vector<ArtifactFetch> fetch_artifacts(Transport& transport, Status& status,
                                           const std::vector<ArtifactSource>& sources,
                                           const std::vector<std::string>& globs,
                                           const std::string& project_dir);

}  // namespace dt

// Replacing a small file whole, so a reader (or a run after a crash) sees the old content or
// the new, never part of either. Depends on nothing else in distributest.
#pragma once

#include <string>
#include <string_view>

namespace dt {

// Writes `content` to a new file in the directory of `path`, then renames it over `path`.
// The new file is created with O_EXCL | O_NOFOLLOW, so a symlink at `path` is replaced, not
// followed, and nothing planted at the temporary name is written through. `path` keeps its
// mode when it is a regular file; a new one gets 0666 minus the umask, as open(2) would give
// it. The directory must exist. Returns "" or why it failed (`path` is then untouched).
std::string replace_file(const std::string& path, std::string_view content);

}  // namespace dt

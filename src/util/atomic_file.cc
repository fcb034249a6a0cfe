#include "util/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <random>

#include "util/fd_io.h"

namespace dt {

namespace {

std::string random_suffix() {
  static const char kChars[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::random_device device;
  std::uniform_int_distribution<std::size_t> pick(0, sizeof kChars - 2);
  std::string out;
  for (int i = 0; i < 8; ++i) out += kChars[pick(device)];
  return out;
}

}  // namespace

std::string replace_file(const std::string& path, std::string_view content) {
  namespace fs = std::filesystem;
  fs::path target(path);
  fs::path dir = target.parent_path();
  if (dir.empty()) dir = ".";
  // In the same directory as the target, so rename() stays on one file system and is atomic.
  // (Appended piece by piece: GCC 12 at -O3 warns -Wrestrict on `"." + filename + ...`.)
  std::string name = ".";
  name += target.filename().string();
  name += ".tmp-";
  std::string prefix = (dir / name).string();
  std::string temp;
  int fd = -1;
  for (int attempt = 0; attempt < 100 && fd < 0; ++attempt) {
    temp = prefix + random_suffix();
    // Mode 0666: the kernel takes the umask off, as for any file the user's tools create.
    fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
    if (fd < 0 && errno != EEXIST) break;
  }
  if (fd < 0)
    return "cannot create a temporary file in " + dir.string() + ": " + std::strerror(errno);

  auto fail = [&](const std::string& what) {
    std::string error = what + " " + temp + ": " + std::strerror(errno);
    if (fd >= 0) ::close(fd);
    ::unlink(temp.c_str());
    return error;
  };
  // A file that is shared on purpose (a group-writable timing store) stays shared.
  struct stat old {};
  if (::lstat(path.c_str(), &old) == 0 && S_ISREG(old.st_mode) &&
      ::fchmod(fd, old.st_mode & 07777) != 0) {
    return fail("cannot chmod");
  }
  if (int err = write_all(fd, content); err != 0) {
    errno = err;
    return fail("cannot write");
  }
  // Without fsync a crash soon after the rename can leave an empty file under the final name.
  if (::fsync(fd) != 0) return fail("cannot sync");
  int closed = ::close(fd);
  fd = -1;
  if (closed != 0) return fail("cannot close");
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    std::string error = "cannot rename " + temp + " to " + path + ": " + std::strerror(errno);
    ::unlink(temp.c_str());
    return error;
  }
  return "";
}

}  // namespace dt

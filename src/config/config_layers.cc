// Where the standard config layers live, and reading files and layers in order of precedence.
#include "config/config.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>

#include "config/config_internal.h"
#include "util/environment.h"

namespace dt {

int config_detail::read_whole_file(const std::string& path, std::string& text) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno;
  char buffer[16384];
  for (;;) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int error = n < 0 ? errno : 0;
      ::close(fd);
      return error;
    }
    text.append(buffer, static_cast<std::size_t>(n));
  }
}

namespace {

std::string getenv_string(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

// DISTRIBUTEST_SYSTEM_CONFIG, when set, replaces /etc/distributest/config.toml: tests and
// relocated installs point it elsewhere. Set but empty, there is no system layer at all.
std::string system_config_path() {
  const char* over = std::getenv("DISTRIBUTEST_SYSTEM_CONFIG");
  return over ? over : "/etc/distributest/config.toml";
}

// The XDG base directory spec: $XDG_CONFIG_HOME when it is an absolute path, else
// ~/.config. Empty when there is no home to look in.
std::string user_config_path() {
  std::string base = getenv_string("XDG_CONFIG_HOME");
  if (base.empty() || base.front() != '/') {
    std::string home = home_directory();
    if (home.empty()) return "";
    base = (std::filesystem::path(home) / ".config").string();
  }
  return (std::filesystem::path(base) / "distributest" / "config.toml").string();
}

std::string project_config_path(const std::string& project_dir) {
  return (std::filesystem::path(project_dir) / ".distributest" / "config.toml").string();
}

}  // namespace

std::optional<ConfigError> load_config_layers(const std::string& project_dir,
                                              const std::string& explicit_file, Config& config) {
  for (const std::string& path :
       {system_config_path(), user_config_path(), project_config_path(project_dir)}) {
    if (path.empty()) continue;
    if (auto error = load_config_file(path, /*optional=*/true, config)) return error;
  }
  if (explicit_file.empty()) return std::nullopt;
  return load_config_file(explicit_file, /*optional=*/false, config);
}

}  // namespace dt

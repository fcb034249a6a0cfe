#include "util/environment.h"

#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <vector>

namespace dt {

namespace {

struct PasswdEntry {
  std::string home;
  std::string name;
};

// getpwuid_r, not getpwuid: getpwuid's static buffer is shared by every thread.
PasswdEntry passwd_entry() {
  long suggested = sysconf(_SC_GETPW_R_SIZE_MAX);
  std::vector<char> buf(suggested > 0 ? static_cast<std::size_t>(suggested) : 16384);
  passwd pw{};
  passwd* found = nullptr;
  int rc;
  while ((rc = getpwuid_r(getuid(), &pw, buf.data(), buf.size(), &found)) == ERANGE &&
         buf.size() < (1u << 20)) {
    buf.resize(buf.size() * 2);
  }
  if (rc != 0 || !found) return {};
  return {found->pw_dir ? found->pw_dir : "", found->pw_name ? found->pw_name : ""};
}

std::string home_variable() {
  const char* home = std::getenv("HOME");
  return home ? home : "";
}

}  // namespace

std::string passwd_home_directory() { return passwd_entry().home; }

std::string home_directory() {
  std::string home = home_variable();
  return home.empty() ? passwd_home_directory() : home;
}

std::string ssh_home_directory() {
  std::string home = passwd_home_directory();
  return home.empty() ? home_variable() : home;
}

std::string passwd_user_name() { return passwd_entry().name; }

}  // namespace dt

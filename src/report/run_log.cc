#include "report/run_log.h"

#include <fcntl.h>
#include <spdlog/details/null_mutex.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/base_sink.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include "report/line_splitter.h"
#include "util/environment.h"

namespace dt {

namespace {

std::string errno_text(int err) { return std::strerror(err); }

// mkdir -p, creating each missing level 0700: the parents of a private directory are
// usually ~/.local/state, which nobody else needs to read either.
std::string make_dirs(const std::string& dir) {
  for (std::size_t pos = 1; pos <= dir.size(); ++pos) {
    if (pos < dir.size() && dir[pos] != '/') continue;
    std::string prefix = dir.substr(0, pos);
    if (::mkdir(prefix.c_str(), 0700) != 0 && errno != EEXIST)
      return "cannot create log directory " + prefix + ": " + errno_text(errno);
  }
  return "";
}

}  // namespace

// spdlog writes the lines (stamp, buffering) into the file this module opened itself: the file
// must be created O_EXCL | O_NOFOLLOW with mode 0600, which spdlog's file sinks cannot do.
class OpenFileSink final : public spdlog::sinks::base_sink<spdlog::details::null_mutex> {
 public:
  explicit OpenFileSink(std::FILE* file) : file_(file) {}
  ~OpenFileSink() override { std::fclose(file_); }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t formatted;
    formatter_->format(msg, formatted);
    std::fwrite(formatted.data(), 1, formatted.size(), file_);
  }
  void flush_() override { std::fflush(file_); }

 private:
  std::FILE* file_;
};

struct RunLog::Impl {
  std::mutex mu;  // RunLog's own: the splitter's state needs it too
  std::shared_ptr<spdlog::logger> logger;
  std::string path;
  LineSplitter splitter;

  void write_line(const std::string& source, std::string_view text) {
    logger->info("[{}] {}", source, text);
  }

  LineSplitter::Sink sink() {
    return [this](const std::string& source, std::string_view text) { write_line(source, text); };
  }
};

RunLog::RunLog() : impl_(std::make_unique<Impl>()) {}

RunLog::~RunLog() { flush(); }

std::string RunLog::default_dir() {
  // The XDG spec says a relative XDG_STATE_HOME is invalid and must be ignored.
  const char* state = std::getenv("XDG_STATE_HOME");
  if (state && state[0] == '/') return std::string(state) + "/distributest/logs";
  std::string home = home_directory();
  if (home.empty()) return "";
  return home + "/.local/state/distributest/logs";
}

std::string RunLog::open(const std::string& dir_arg) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  if (impl_->logger) return "the run log is already open: " + impl_->path;
  std::string dir = dir_arg.empty() ? default_dir() : dir_arg;
  if (dir.empty()) return "no directory for the run log: set XDG_STATE_HOME or HOME";
  if (std::string err = make_dirs(dir); !err.empty()) return err;

  // Checked and used through one descriptor, so the directory cannot be swapped in between.
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) return "cannot open log directory " + dir + ": " + errno_text(errno);
  struct stat st {};
  std::string err;
  if (fstat(dfd, &st) != 0) {
    err = "cannot stat log directory " + dir + ": " + errno_text(errno);
  } else if (st.st_uid != geteuid()) {
    err = "log directory " + dir + " belongs to uid " + std::to_string(st.st_uid) +
          ", not to you (uid " + std::to_string(geteuid()) + "); choose another log_dir";
  } else if (st.st_mode & (S_IWGRP | S_IWOTH)) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    err = "log directory " + dir + " is writable by others (mode " + mode + "); run: chmod go-w " +
          dir;
  }
  if (!err.empty()) {
    ::close(dfd);
    return err;
  }

  time_t now = time(nullptr);
  tm local{};
  localtime_r(&now, &local);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "run-%Y%m%d-%H%M%S-", &local);
  std::string base = stamp + std::to_string(getpid());
  std::string name;
  int fd = -1;
  // The same second and pid happen when one process opens several logs (tests, retries).
  for (int n = 1; n < 100 && fd < 0; ++n) {
    // Appended piece by piece: GCC 12 at -O3 warns -Wrestrict on `"-" + std::to_string(n)`.
    name = base;
    if (n > 1) {
      name += '-';
      name += std::to_string(n);
    }
    name += ".log";
    fd = openat(dfd, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0 && errno != EEXIST) break;
  }
  if (fd < 0) {
    err = "cannot create run log " + dir + "/" + name + ": " + errno_text(errno);
    ::close(dfd);
    return err;
  }
  std::FILE* file = fdopen(fd, "w");
  if (!file) {
    err = "cannot open run log " + dir + "/" + name + ": " + errno_text(errno);
    ::close(fd);
    ::close(dfd);
    return err;
  }
  // Not registered with spdlog's global registry: this logger belongs to this RunLog alone.
  impl_->logger = std::make_shared<spdlog::logger>("run", std::make_shared<OpenFileSink>(file));
  impl_->logger->set_pattern("%H:%M:%S.%e %v");
  impl_->logger->set_level(spdlog::level::info);
  impl_->logger->flush_on(spdlog::level::off);  // flushed by flush(), not per line
  impl_->path = dir + "/" + name;

  // Replaced by rename, so a reader never finds latest.log missing. Failing here leaves the
  // run log itself intact, so it is noted in the log rather than failing the run.
  std::string tmp = ".latest.log." + std::to_string(getpid());
  unlinkat(dfd, tmp.c_str(), 0);
  if (symlinkat(name.c_str(), dfd, tmp.c_str()) != 0 ||
      renameat(dfd, tmp.c_str(), dfd, "latest.log") != 0) {
    impl_->write_line("master", "warning: cannot update latest.log: " + errno_text(errno));
    unlinkat(dfd, tmp.c_str(), 0);
  }
  ::close(dfd);
  return "";
}

bool RunLog::is_open() const { return impl_->logger != nullptr; }

const std::string& RunLog::path() const { return impl_->path; }

void RunLog::line(const std::string& source, std::string_view text) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  if (!impl_->logger) return;
  impl_->splitter.feed(source, text, impl_->sink());
}

void RunLog::event(Status::Level level, std::string_view message) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  if (!impl_->logger) return;
  const char* prefix = level == Status::Level::kError     ? "error: "
                       : level == Status::Level::kWarning ? "warning: "
                                                          : "";
  std::string text = prefix + std::string(message);
  static const std::string kMaster = "master";
  impl_->splitter.feed(kMaster, text, impl_->sink());
  impl_->splitter.flush(kMaster, impl_->sink());
}

void RunLog::flush(const std::string& source) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  if (!impl_->logger) return;
  impl_->splitter.flush(source, impl_->sink());
}

void RunLog::flush() {
  std::lock_guard<std::mutex> lock(impl_->mu);
  if (!impl_->logger) return;
  impl_->splitter.flush_all(impl_->sink());
  impl_->logger->flush();
}

}  // namespace dt

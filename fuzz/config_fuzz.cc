// libFuzzer target for one config layer (src/config/config.h): the input is the file's text.
// It is written to a memfd, read back through /proc/self/fd/N by load_config_file, as a real
// file would be (one memfd per process, rewritten for each input: no files left in /tmp).
//
// Invariants (a violation prints what broke and traps):
// - an error names the file first ("path:line: ...", ready to print);
// - a failed load leaves the config as it was;
// - a layer is idempotent: loading the same file again succeeds and changes nothing;
// - `distributest config` output can be pasted back: describe_config's lines, with their
//   "  # origin" comments dropped (and node[i] lines gathered into `node = [...]`), load into
//   a fresh config with the same values.
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"

namespace {

[[noreturn]] void fail(const char* what, const std::string& detail = "") {
  std::fprintf(stderr, "config_fuzz: invariant violated: %s\n%s\n", what, detail.c_str());
  __builtin_trap();
}

void check(bool ok, const char* what, const std::string& detail = "") {
  if (!ok) fail(what, detail);
}

struct MemFile {
  int fd = -1;
  std::string path;
};

const MemFile& mem_file() {
  static const MemFile file = [] {
    MemFile made;
    made.fd = memfd_create("config_fuzz", MFD_CLOEXEC);
    if (made.fd < 0) {
      std::perror("config_fuzz: memfd_create");
      std::abort();
    }
    made.path = "/proc/self/fd/" + std::to_string(made.fd);
    return made;
  }();
  return file;
}

void write_file(std::string_view text) {
  int fd = mem_file().fd;
  if (ftruncate(fd, 0) != 0) {
    std::perror("config_fuzz: ftruncate");
    std::abort();
  }
  std::size_t done = 0;
  while (done < text.size()) {
    ssize_t n = pwrite(fd, text.data() + done, text.size() - done, static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      std::perror("config_fuzz: pwrite");
      std::abort();
    }
    done += static_cast<std::size_t>(n);
  }
}

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const std::string& line : lines) out += line + "\n";
  return out;
}

// "key = value  # origin" -> "key = value". An origin is a path:line or a word, never "  # ".
std::string without_origin(const std::string& line) {
  std::size_t hash = line.rfind("  # ");
  check(hash != std::string::npos, "describe_config line without an origin", line);
  return line.substr(0, hash);
}

std::vector<std::string> values(const std::vector<std::string>& lines) {
  std::vector<std::string> out;
  for (const std::string& line : lines) out.push_back(without_origin(line));
  return out;
}

// describe_config's output as a config file.
std::string as_toml(const std::vector<std::string>& lines) {
  std::string text;
  std::string nodes;
  for (const std::string& line : lines) {
    std::string setting = without_origin(line);
    if (setting.starts_with("node[")) {
      std::size_t eq = setting.find(" = ");
      check(eq != std::string::npos, "node line without ' = '", line);
      nodes += (nodes.empty() ? "" : ", ") + setting.substr(eq + 3);
    } else {
      text += setting + "\n";
    }
  }
  if (!nodes.empty()) text += "node = [" + nodes + "]\n";
  return text;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string& path = mem_file().path;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  write_file(text);

  dt::Config config;
  const std::vector<std::string> defaults = dt::describe_config(config);
  auto error = dt::load_config_file(path, false, config);
  if (error) {
    check(error->message.starts_with(path), "error does not start with the path",
          error->message);
    check(dt::describe_config(config) == defaults, "a failed load changed the config");
    return 0;
  }
  const std::vector<std::string> described = dt::describe_config(config);

  // The same layer again: no error, no change.
  error = dt::load_config_file(path, true, config);
  check(!error, "a layer that loaded once fails the second time", error ? error->message : "");
  check(dt::describe_config(config) == described, "loading a layer twice changed the config",
        joined(described) + "--- then ---\n" + joined(dt::describe_config(config)));

  // Pasted back: the same values.
  std::string pasted = as_toml(described);
  write_file(pasted);
  dt::Config reloaded;
  error = dt::load_config_file(path, false, reloaded);
  check(!error, "describe_config output does not load back",
        pasted + "--- error ---\n" + (error ? error->message : ""));
  check(values(dt::describe_config(reloaded)) == values(described),
        "describe_config output loads back to other values",
        joined(described) + "--- reloaded ---\n" + joined(dt::describe_config(reloaded)));
  return 0;
}

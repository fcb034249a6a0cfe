#include "sync/target_lock.h"

namespace dt {

namespace {

// $1 = remote_root, $2 = the target. Until it holds the lock of the marked target, a clean may
// move the target away (see kCleanScript): the lock it got is then no longer the target's
// (the -ef test), and it starts over, in a fresh directory, rather than sync into one being
// deleted. A step that fails because the target vanished under it is retried too.
constexpr const char* kPrepareScript = R"SH(root=$1; dir=$2
mkdir -p -- "$root" || exit 1
tries=0
while :; do
  if [ -e "$dir" ] && [ ! -e "$dir/.distributest-dir" ] && [ -n "$(ls -A -- "$dir" 2>/dev/null)" ]; then
    echo "refusing to sync into $dir: it exists, is not empty, and distributest did not make it (no .distributest-dir in it); nothing in it was touched" >&2
    exit 3
  fi
  mkdir -p -- "$dir" || exit 1
  if touch -- "$dir/.distributest-dir" && command exec 9>"$dir/.distributest-lock"; then
    if ! flock -n 9; then echo waiting; flock 9 || exit 1; fi
    [ -e "$dir/.distributest-dir" ] && [ "$dir/.distributest-lock" -ef /dev/fd/9 ] && break
    exec 9>&-
  elif [ -e "$dir" ]; then
    exit 1
  fi
  tries=$((tries + 1))
  if [ "$tries" -ge 20 ]; then
    echo "cannot take $dir: it was removed under us $tries times (distributest clean?)" >&2
    exit 1
  fi
done
flock -x "$dir/.distributest-busy" true || exit 1
if [ -z "$(ls -A -- "$dir" | grep -v -x -e .distributest-dir -e .distributest-lock -e .distributest-busy)" ]; then
  echo "copy empty"
elif id=$(tr -cd 0-9a-f < "$dir/.distributest-runtime/sync-id" 2>/dev/null) && [ -n "$id" ]; then
  echo "copy $id"
else
  echo "copy unknown"
fi
echo locked
exec cat >/dev/null
)SH";

// $1 = the target, $2 = "remove" or "list". The lock is taken even when no run has made the
// lock file yet, so a run starting now waits; the target is then moved away under the lock
// before it is deleted, so the run that waited sees the lock is not the target's any more.
constexpr const char* kCleanScript = R"SH(dir=$1
[ -e "$dir" ] || [ -L "$dir" ] || { echo "nothing there: $dir"; exit 4; }
[ -d "$dir" ] && [ ! -L "$dir" ] && [ -e "$dir/.distributest-dir" ] || { echo "not ours: $dir (no .distributest-dir in it); left untouched"; exit 3; }
command exec 9>>"$dir/.distributest-lock" || exit 1
flock -n 9 || { echo "in use by a run: $dir; left untouched"; exit 5; }
[ "$2" = remove ] || exit 0
trash=$(mktemp -d -- "$dir.removing.XXXXXX") && mv -- "$dir" "$trash/" && rm -rf -- "$trash"
)SH";

}  // namespace

std::vector<std::string> target_prepare_argv(const std::string& remote_root,
                                             const std::string& dir) {
  return {"sh", "-c", kPrepareScript, "prepare", remote_root, dir};
}

std::vector<std::string> target_clean_argv(const std::string& dir, bool remove) {
  return {"sh", "-c", kCleanScript, "clean", dir, remove ? "remove" : "list"};
}

}  // namespace dt

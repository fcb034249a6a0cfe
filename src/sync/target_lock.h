// How runs and `distributest clean` share a node's copy of a project: the commands, run on the
// node from the remote home, that take a copy for a run and that remove one. Both go by the
// copy's marker (.distributest-dir: distributest made it) and lock (.distributest-lock, held
// with flock(1) by whoever is using or removing the copy).
#pragma once

#include <string>
#include <vector>

namespace dt {

// Takes `dir` (under `remote_root`) for a run: refuses it (exit 3, untouched) when it exists,
// is not empty and is not marked; else marks it, says "waiting" when someone else holds its
// lock, and "locked" once it holds the lock of the marked `dir`, then holds it until stdin
// ends. Just before "locked" it says what the copy is: "copy empty" (nothing synced yet),
// "copy ID" (the sync id the last sync that reached it left: copies with one ID were filled by
// the same sync), or "copy unknown". The lock holder of a killed master may go before that master's runners are killed
// (they get a grace period), so it also waits until no process holds the shared "busy" lock
// every remote command takes.
std::vector<std::string> target_prepare_argv(const std::string& remote_root,
                                             const std::string& dir);

// Removes `dir` (with `remove` false: only checks it could) when it is marked and no one holds
// its lock. Exit status 0: removed (or removable); 3: not marked, left untouched; 4: nothing
// there; 5: in use, left untouched. What it prints is for a person.
std::vector<std::string> target_clean_argv(const std::string& dir, bool remove);

}  // namespace dt

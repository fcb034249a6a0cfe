// How the transport starts every process of its own on this box (local runners and hooks,
// rsync, a ProxyCommand). Internal to the transport module.
#pragma once

#include <spawn.h>

namespace dt {

// Initialises `attr` for a child in a process group of its own, so the whole of what it
// starts can be ended at once and a Ctrl-C at the terminal reaches only the master (which then
// stops in order), with an empty signal mask and default dispositions for the signals the
// master blocks or ignores. The caller destroys `attr`.
void init_own_group_attributes(posix_spawnattr_t& attr);

}  // namespace dt

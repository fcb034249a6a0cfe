// Facts about the user this process runs as: home directory and login name. Generic helpers
// with no knowledge of the rest of distributest (nothing in util/ includes another module).
// Thread-safe: connections look these up on threads of their own.
#pragma once

#include <string>

namespace dt {

// The home directory the password database gives this user (getpwuid_r), or "" when the
// database has no entry for the uid (containers often run as an unlisted uid).
std::string passwd_home_directory();

// $HOME when it is set and not empty, as a user who overrides it expects; else
// passwd_home_directory() (HOME is missing under cron, systemd units, `env -i`); else "".
// Where per-user files of our own live (~/.config, ~/.local/state).
std::string home_directory();

// What OpenSSH means by "~" (its ~/.ssh/known_hosts and id_* defaults, and "~/" in ssh
// settings): the password database's home, whatever $HOME says, because ssh expands "~" with
// getpwuid and ignores $HOME. CI containers often set HOME to somewhere else, and a different
// ~/.ssh from ssh's own would check host keys against another file. $HOME only when the
// database has no entry (where OpenSSH itself refuses to run); else "".
std::string ssh_home_directory();

// The login name the password database gives this user, or "" when it has no entry.
std::string passwd_user_name();

}  // namespace dt

// Text helpers the config files share: error messages and `distributest config` both spell
// values the way TOML would, so a user can paste what they read back into a config file.
// Internal to src/config; free of toml++ so any file here may include it.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dt::config_detail {

// A TOML basic string, quotes included, with control characters escaped.
std::string quote(std::string_view text);

// A bare key when TOML allows one (A-Z a-z 0-9 _ -), else a quoted key.
std::string quote_key(std::string_view key);

// Shortest text that reads back as the same number; whole numbers without a fraction.
std::string format_number(double value);

std::string format_list(const std::vector<std::string>& items);         // ["a", "b"]
std::string format_env(const std::map<std::string, std::string>& env);  // {A = "1"}
std::string format_runners(int runners);                                // "auto", "idle" or the count

// Reads all of `path` into `text`. Returns 0, or the errno that stopped the read, so the
// caller can tell a missing file from an unreadable one.
int read_whole_file(const std::string& path, std::string& text);

// Edit distance counted in bytes (keys are ASCII).
std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate nearest to a misspelt `word`, if one is near enough to be a likely typo:
// within max(2, length / 3) edits. Ties go to the earlier candidate.
std::optional<std::string_view> closest_match(std::string_view word,
                                              const std::vector<std::string_view>& candidates);

}  // namespace dt::config_detail

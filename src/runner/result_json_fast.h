// The result record's JSON read in one pass, for the shape runners send a million times in a
// fleet's run: ASCII strings without escapes, plain numbers, the keys docs/protocol.md lists,
// each once. Anything else (an escape, a UTF-8 byte, an unknown key, a key twice, a negative or
// huge number, a wrong type) is left to the general parser (nlohmann/json), which decides and
// words the errors: what the fast reader accepts, the general one reads the same. Internal to
// the runner module (and its tests and fuzz target).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "report/result.h"

namespace dt {

// Fills `result` (from a default FileResult) and returns true when `json` has the common shape
// and is a valid record; returns false and leaves `result` alone otherwise.
bool parse_result_json_fast(std::string_view json, FileResult& result);

// The general parser alone (protocol.cc): what parse_result_json falls back to.
std::optional<std::string> parse_result_json_general(std::string_view json, FileResult& result);

}  // namespace dt

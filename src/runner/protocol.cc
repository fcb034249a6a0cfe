#include "runner/protocol.h"

#include <charconv>
#include <climits>
#include <cstdio>

#include <nlohmann/json.hpp>

#include "runner/result_json_fast.h"

namespace dt {
namespace {

using nlohmann::json;

constexpr std::string_view kHelloPrefix = "@distributest hello ";
constexpr std::string_view kResultPrefix = "@distributest result";
// Enough of a bad line to recognise it in a message, not so much that one record floods it.
constexpr std::size_t kExcerptBytes = 200;
constexpr std::size_t kKeptCapacity = 1024 * 1024;

// The start of a line, safe to print: control bytes (a runner may emit anything) are escaped,
// and a cut never splits a UTF-8 sequence.
std::string excerpt(std::string_view line) {
  bool cut = line.size() > kExcerptBytes;
  if (cut) {
    std::size_t end = kExcerptBytes;
    while (end > 0 && (static_cast<unsigned char>(line[end]) & 0xC0) == 0x80) --end;
    line = line.substr(0, end);
  }
  std::string out;
  for (char c : line) {
    auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\x%02x", byte);
      out += escaped;
    } else {
      out += c;
    }
  }
  if (cut) out += "...";
  return out;
}

RecordParser::Message error_message(std::string text) {
  return {RecordParser::Message::Kind::kError, std::move(text), {}};
}

std::optional<std::string> read_string(const json& object, const char* key, std::string& out) {
  auto it = object.find(key);
  if (it == object.end()) return std::nullopt;
  if (!it->is_string()) return std::string("'") + key + "' is not a string";
  out = it->get<std::string>();
  return std::nullopt;
}

std::optional<std::string> read_duration(const json& object, double& out) {
  auto it = object.find("duration");
  if (it == object.end()) return std::nullopt;
  if (!it->is_number() || it->get<double>() < 0) {
    return "'duration' is not a non-negative number";
  }
  out = it->get<double>();
  return std::nullopt;
}

std::optional<std::string> read_count(const json& object, const char* key, int& out) {
  auto it = object.find(key);
  if (it == object.end()) return std::nullopt;
  bool ok = it->is_number_unsigned() && it->get<std::uint64_t>() <= INT_MAX;
  if (!ok) return std::string("'") + key + "' is not a non-negative integer";
  out = static_cast<int>(it->get<std::uint64_t>());
  return std::nullopt;
}

std::optional<std::string> read_case(const json& object, CaseResult& out) {
  if (!object.is_object()) return "a case is not an object";
  // A case's status is kept as the framework's word: reports show it, and a new word from an
  // adapter must not make the master kill the runner.
  for (auto [key, field] : {std::pair{"id", &out.id}, {"name", &out.name},
                            {"location", &out.location},
                            {"status", &out.status}, {"message", &out.message},
                            {"backtrace", &out.backtrace}}) {
    if (auto error = read_string(object, key, *field)) return "case " + *error;
  }
  if (auto error = read_duration(object, out.duration_seconds)) return "case " + *error;
  return std::nullopt;
}

std::optional<std::string> read_result(const json& object, FileResult& out) {
  if (!object.is_object()) return "not a JSON object";
  std::string status;
  auto it = object.find("status");
  if (it == object.end()) return "missing 'status'";
  if (auto error = read_string(object, "status", status)) return error;
  if (status == "passed") {
    out.status = FileStatus::kPassed;
  } else if (status == "failed") {
    out.status = FileStatus::kFailed;
  } else if (status == "error") {
    out.status = FileStatus::kError;
  } else {
    return "unknown status '" + excerpt(status) + "'";
  }
  if (auto error = read_string(object, "path", out.path)) return error;
  std::string message;  // read apart: a result without one gets no details made for it
  if (auto error = read_string(object, "message", message)) return error;
  if (!message.empty()) out.error() = std::move(message);
  if (auto error = read_duration(object, out.duration_seconds)) return error;
  for (auto [key, field] : {std::pair{"examples", &out.examples}, {"failures", &out.failures},
                            {"pending", &out.pending}, {"errors", &out.errors}}) {
    if (auto error = read_count(object, key, *field)) return error;
  }
  it = object.find("cases");
  if (it != object.end()) {
    if (!it->is_array()) return "'cases' is not an array";
    for (const json& item : *it) {
      CaseResult result;
      if (auto error = read_case(item, result)) return error;
      out.cases().push_back(std::move(result));
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> parse_result_json(std::string_view text, FileResult& result) {
  if (parse_result_json_fast(text, result)) return std::nullopt;
  return parse_result_json_general(text, result);
}

std::optional<std::string> parse_result_json_general(std::string_view text, FileResult& result) {
  FileResult parsed;
  try {
    json object = json::parse(text.begin(), text.end());
    if (auto error = read_result(object, parsed)) return error;
  } catch (const json::exception& e) {
    // what() starts with "[json.exception.parse_error.101] "; the id means nothing to a user.
    std::string_view what = e.what();
    std::size_t bracket = what.find("] ");
    if (what.starts_with("[") && bracket != std::string_view::npos) what.remove_prefix(bracket + 2);
    return "invalid JSON: " + std::string(what);
  }
  result = std::move(parsed);
  return std::nullopt;
}

void RecordParser::feed(std::string_view chunk, std::vector<Message>& out) {
  while (!chunk.empty()) {
    std::size_t newline = chunk.find('\n');
    if (skipping_oversized_) {
      if (newline == std::string_view::npos) return;
      skipping_oversized_ = false;
      chunk.remove_prefix(newline + 1);
      continue;
    }
    std::size_t piece = newline == std::string_view::npos ? chunk.size() : newline;
    if (buffer_.size() + piece > kMaxRecordBytes) {
      std::string_view start = buffer_.empty() ? chunk : std::string_view(buffer_);
      out.push_back(error_message("record larger than 64 MiB: " + excerpt(start)));
      buffer_.clear();
      buffer_.shrink_to_fit();
      // The rest of the line is dropped as it arrives instead of being held.
      skipping_oversized_ = newline == std::string_view::npos;
      if (skipping_oversized_) return;
      chunk.remove_prefix(newline + 1);
      continue;
    }
    if (newline == std::string_view::npos) {
      buffer_.append(chunk);
      return;
    }
    if (buffer_.empty()) {
      parse_line(chunk.substr(0, newline), out);
    } else {
      buffer_.append(chunk.substr(0, newline));
      parse_line(buffer_, out);
      buffer_.clear();
      // One huge record must not pin its buffer for the rest of the runner's life.
      if (buffer_.capacity() > kKeptCapacity) buffer_.shrink_to_fit();
    }
    chunk.remove_prefix(newline + 1);
  }
}

void RecordParser::finish(std::vector<Message>& out) {
  skipping_oversized_ = false;
  if (buffer_.empty()) return;
  std::string line = std::move(buffer_);
  buffer_.clear();
  if (line.starts_with(kRecordPrefix)) {
    out.push_back(error_message("truncated record (the stream ended mid-line): " +
                                excerpt(line)));
  } else {
    out.push_back(Message{Message::Kind::kNoise, std::move(line), {}});
  }
}

void RecordParser::parse_line(std::string_view line, std::vector<Message>& out) {
  if (line.ends_with('\r')) line.remove_suffix(1);
  if (!handshaken_) {
    if (!line.starts_with(kHelloPrefix)) {
      out.push_back(Message{Message::Kind::kNoise, std::string(line), {}});
      return;
    }
    std::string_view rest = line.substr(kHelloPrefix.size());
    std::size_t space = rest.find(' ');
    std::string_view version = rest.substr(0, space);
    std::string_view adapter =
        space == std::string_view::npos ? std::string_view() : rest.substr(space + 1);
    int v = 0;
    auto [end, ec] = std::from_chars(version.data(), version.data() + version.size(), v);
    if (ec != std::errc() || end != version.data() + version.size() || adapter.empty()) {
      out.push_back(error_message("malformed handshake: " + excerpt(line)));
      return;
    }
    if (v != kProtocolVersion) {
      out.push_back(error_message("runner speaks protocol v" + std::to_string(v) +
                                  ", this distributest speaks v" +
                                  std::to_string(kProtocolVersion)));
      return;
    }
    handshaken_ = true;
    out.push_back(Message{Message::Kind::kHello, std::string(adapter), {}});
    return;
  }
  if (line.starts_with(kResultPrefix)) {
    std::string_view body = line.substr(kResultPrefix.size());
    // "@distributest results ..." would be some future record, not a result.
    if (body.empty() || body.front() == ' ') {
      // Read where it is kept: a result is hundreds of bytes, and a fleet sends a million.
      Message& message = out.emplace_back();
      message.kind = Message::Kind::kResult;
      if (auto error = parse_result_json(body, message.result)) {
        message = error_message("malformed result record (" + *error + "): " + excerpt(line));
      }
      return;
    }
  }
  out.push_back(Message{Message::Kind::kNoise, std::string(line), {}});
}

void OutputSplitter::feed(std::string_view chunk, std::vector<std::string>& segments) {
  segments.assign(1, std::string());
  std::string joined;
  std::string_view data = chunk;
  if (!pending_.empty()) {
    joined = std::move(pending_);
    joined.append(chunk);
    data = joined;
  }
  pending_.clear();
  for (std::size_t at = data.find(kEndMarker); at != std::string_view::npos;
       at = data.find(kEndMarker)) {
    segments.back().append(data.substr(0, at));
    segments.emplace_back();
    data.remove_prefix(at + kEndMarker.size());
  }
  // Hold back the longest tail that could still become a marker with the next chunk. The marker
  // has 0x1e only at its start, so any such tail begins with the last 0x1e in reach.
  std::size_t from = data.size() >= kEndMarker.size() ? data.size() - kEndMarker.size() + 1 : 0;
  std::size_t keep = data.size();
  for (std::size_t i = from; i < data.size(); ++i) {
    if (kEndMarker.starts_with(data.substr(i))) {
      keep = i;
      break;
    }
  }
  segments.back().append(data.substr(0, keep));
  pending_.assign(data.substr(keep));
}

void OutputSplitter::finish(std::string& output) {
  output += pending_;
  pending_.clear();
}

std::string work_line(const std::string& path, const Selection& selection) {
  if (selection.whole()) return path + "\n";
  json part = {{"path", path}};
  part[selection.kind == Selection::Kind::kOnly ? "only" : "except"] = selection.ids.list();
  // Ids come from records (valid UTF-8, as the parser checked); a path that is not valid UTF-8
  // is never split (split_slow_files), so `replace` never changes what the adapter matches.
  return std::string(kPartPrefix) + part.dump(-1, ' ', false, json::error_handler_t::replace) +
         "\n";
}

}  // namespace dt

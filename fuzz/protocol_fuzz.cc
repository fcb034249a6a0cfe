// libFuzzer target for the runner protocol (src/runner/protocol.h): RecordParser over a runner's
// stdout, parse_result_json on one record body, OutputSplitter over its stderr.
//
// Input layout: byte 0 = header; its low 3 bits give k, the number of chunk-length bytes that
// follow it (bytes 1..k); the rest is the stream. The stream is fed in chunks whose lengths
// cycle through those bytes (a 0 feeds an empty chunk, then one byte), so the fuzzer moves the
// chunk boundaries as well as the bytes. k = 0 feeds the stream whole.
//
// Invariants (a violation prints what broke and traps):
// - RecordParser gives the same messages whatever the chunking (compared with one whole feed);
//   at most one hello, no result before it; nothing stays buffered after finish().
// - parse_result_json (on the raw input, and on the stream) leaves `result` alone when it fails,
//   and says why; what it accepts has a known status and no negative count. What its fast
//   reader (runner/result_json_fast.h) accepts, the general parser reads the same.
// - OutputSplitter: the output between markers, file by file, is the stream cut at each end
//   marker (left to right, not overlapping), so the concatenation of all output is the stream
//   with the markers removed.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "runner/protocol.h"
#include "runner/result_json_fast.h"

namespace {

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "protocol_fuzz: invariant violated: %s\n", what);
  __builtin_trap();
}

void check(bool ok, const char* what) {
  if (!ok) fail(what);
}

// Cuts `stream` into chunks: lengths cycle through `lengths`, starting at `first`.
template <typename Feed>
void feed_in_chunks(std::string_view stream, std::string_view lengths, std::size_t first,
                    Feed&& feed) {
  if (lengths.empty()) {
    feed(stream);
    return;
  }
  std::size_t i = first;
  while (!stream.empty()) {
    std::size_t n = static_cast<unsigned char>(lengths[i++ % lengths.size()]);
    if (n == 0) {
      feed(std::string_view());
      n = 1;
    }
    n = n < stream.size() ? n : stream.size();
    feed(stream.substr(0, n));
    stream.remove_prefix(n);
  }
}

bool same_case(const dt::CaseResult& a, const dt::CaseResult& b) {
  return a.name == b.name && a.location == b.location && a.status == b.status &&
         a.duration_seconds == b.duration_seconds && a.message == b.message &&
         a.backtrace == b.backtrace;
}

bool same_result(const dt::FileResult& a, const dt::FileResult& b) {
  if (a.path != b.path || a.status != b.status || a.duration_seconds != b.duration_seconds ||
      a.examples != b.examples || a.failures != b.failures || a.pending != b.pending ||
      a.errors != b.errors || a.error() != b.error() || a.cases().size() != b.cases().size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.cases().size(); ++i) {
    if (!same_case(a.cases()[i], b.cases()[i])) return false;
  }
  return true;
}

using Message = dt::RecordParser::Message;

std::vector<Message> parse_whole(std::string_view stream) {
  dt::RecordParser parser;
  std::vector<Message> out;
  parser.feed(stream, out);
  parser.finish(out);
  return out;
}

void fuzz_records(std::string_view stream, std::string_view lengths) {
  dt::RecordParser parser;
  std::vector<Message> chunked;
  feed_in_chunks(stream, lengths, 0, [&](std::string_view chunk) {
    parser.feed(chunk, chunked);
    check(parser.buffered_bytes() <= dt::kMaxRecordBytes, "RecordParser buffers too much");
  });
  parser.finish(chunked);
  check(parser.buffered_bytes() == 0, "RecordParser holds bytes after finish()");

  bool hello = false;
  for (const Message& message : chunked) {
    if (message.kind == Message::Kind::kHello) {
      check(!hello, "second hello");
      hello = true;
    }
    check(message.kind != Message::Kind::kResult || hello, "result before the hello");
    check(message.kind != Message::Kind::kError || !message.text.empty(), "empty error");
  }
  check(hello == parser.handshaken(), "handshaken() disagrees with the messages");

  if (lengths.empty()) return;  // fed whole already
  std::vector<Message> whole = parse_whole(stream);
  check(whole.size() == chunked.size(), "chunking changed the number of messages");
  for (std::size_t i = 0; i < whole.size(); ++i) {
    check(whole[i].kind == chunked[i].kind, "chunking changed a message's kind");
    check(whole[i].text == chunked[i].text, "chunking changed a message's text");
    check(same_result(whole[i].result, chunked[i].result), "chunking changed a result");
  }
}

void fuzz_result_json(std::string_view text) {
  dt::FileResult fast;
  if (dt::parse_result_json_fast(text, fast)) {
    dt::FileResult general;
    check(!dt::parse_result_json_general(text, general), "the fast reader took what is invalid");
    check(same_result(fast, general) && fast.cases().size() == general.cases().size(),
          "the fast reader and the general parser read a record differently");
    for (std::size_t i = 0; i < fast.cases().size(); ++i) {
      check(fast.cases()[i].id == general.cases()[i].id, "the readers disagree on a case's id");
    }
  }
  dt::FileResult result;
  result.path = "sentinel";
  result.examples = 7;
  result.cases().emplace_back();
  dt::FileResult before = result;
  auto error = dt::parse_result_json(text, result);
  if (error) {
    check(!error->empty(), "parse_result_json failed without a reason");
    check(same_result(result, before), "parse_result_json changed the result on failure");
  } else {
    check(result.status == dt::FileStatus::kPassed || result.status == dt::FileStatus::kFailed ||
              result.status == dt::FileStatus::kError,
          "parse_result_json accepted a status it does not know");
    check(result.examples >= 0 && result.failures >= 0 && result.pending >= 0 &&
              result.errors >= 0 && result.duration_seconds >= 0,
          "parse_result_json accepted a negative count or duration");
  }
}

void fuzz_output(std::string_view stream, std::string_view lengths, std::size_t first) {
  // What the splitter must give: the stream cut at each marker, left to right.
  std::vector<std::string> expected(1);
  std::string expected_joined;
  for (std::string_view rest = stream;;) {
    std::size_t at = rest.find(dt::kEndMarker);
    expected.back().append(rest.substr(0, at));
    expected_joined.append(rest.substr(0, at));
    if (at == std::string_view::npos) break;
    expected.emplace_back();
    rest.remove_prefix(at + dt::kEndMarker.size());
  }

  dt::OutputSplitter splitter;
  std::vector<std::string> files(1);
  std::string joined;
  std::vector<std::string> segments;
  feed_in_chunks(stream, lengths, first, [&](std::string_view chunk) {
    segments = {"stale"};
    splitter.feed(chunk, segments);
    check(!segments.empty(), "OutputSplitter gave no segment");
    for (std::size_t i = 0; i < segments.size(); ++i) {
      if (i > 0) files.emplace_back();
      files.back() += segments[i];
      joined += segments[i];
    }
  });
  std::string tail;
  splitter.finish(tail);
  files.back() += tail;
  joined += tail;

  check(joined == expected_joined, "output != stream without its markers");
  check(files == expected, "output cut at the wrong places");
  std::string again;
  splitter.finish(again);
  check(again.empty(), "OutputSplitter::finish() twice gave output twice");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string_view stream = input;
  std::string_view lengths;
  std::size_t first = 0;
  if (!input.empty()) {
    std::size_t k = static_cast<unsigned char>(input[0]) % 8;
    k = k < input.size() - 1 ? k : input.size() - 1;
    lengths = input.substr(1, k);
    stream = input.substr(1 + k);
    first = static_cast<unsigned char>(input[0]) >> 3;
  }
  fuzz_records(stream, lengths);
  fuzz_result_json(input);
  if (stream.size() != input.size()) fuzz_result_json(stream);
  fuzz_output(stream, lengths, first);
  return 0;
}

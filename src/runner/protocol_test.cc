#include "runner/protocol.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace dt {
namespace {

using Kind = RecordParser::Message::Kind;
using Messages = std::vector<RecordParser::Message>;

const std::string kHello = "@distributest hello 3 rspec\n";

Messages parse_all(const std::vector<std::string>& chunks, RecordParser* parser = nullptr) {
  RecordParser local;
  RecordParser& p = parser ? *parser : local;
  Messages out;
  for (const std::string& chunk : chunks) p.feed(chunk, out);
  p.finish(out);
  return out;
}

// One comparable line per message, so failures show the whole sequence.
std::vector<std::string> describe(const Messages& messages) {
  std::vector<std::string> out;
  for (const auto& m : messages) {
    switch (m.kind) {
      case Kind::kHello: out.push_back("hello " + m.text); break;
      case Kind::kNoise: out.push_back("noise " + m.text); break;
      case Kind::kError: out.push_back("error " + m.text); break;
      case Kind::kResult:
        out.push_back("result " + m.result.path + " " +
                      std::to_string(static_cast<int>(m.result.status)) + " " +
                      std::to_string(m.result.examples) + "/" +
                      std::to_string(m.result.failures));
        break;
    }
  }
  return out;
}

std::vector<std::string> describe_one_result(const std::string& json) {
  return describe(parse_all({kHello, "@distributest result " + json + "\n"}));
}

TEST(RecordParserTest, NoiseBeforeTheHandshakeIncludingAnUnfinishedBanner) {
  RecordParser parser;
  Messages out;
  parser.feed("Welcome to buildbox\nLast login: Mon", out);
  EXPECT_EQ(describe(out), std::vector<std::string>{"noise Welcome to buildbox"});
  EXPECT_FALSE(parser.handshaken());
  parser.feed(" from 10.0.0.1\n@distributest result {\"status\":\"passed\"}\n", out);
  parser.feed(kHello, out);
  parser.feed("@distributest result {\"path\":\"a_spec.rb\",\"status\":\"passed\"}\n", out);
  EXPECT_TRUE(parser.handshaken());
  EXPECT_EQ(describe(out), (std::vector<std::string>{
                               "noise Welcome to buildbox",
                               "noise Last login: Mon from 10.0.0.1",
                               "noise @distributest result {\"status\":\"passed\"}",
                               "hello rspec",
                               "result a_spec.rb 0 0/0",
                           }));
}

TEST(RecordParserTest, ChunkBoundariesDoNotChangeTheMessages) {
  const std::string transcript =
      "banner\r\npartial banner\n" + kHello +
      "@distributest result {\"path\":\"a b\",\"status\":\"failed\",\"examples\":3,"
      "\"failures\":1}\r\n"
      "puts from a test\n"
      "@distributest result {bad json}\n"
      "@distributest result {\"path\":\"c\",\"status\":\"error\",\"message\":\"boom\"}\n"
      "@distributest result {\"status\":\"passed\"";
  const auto expected = describe(parse_all({transcript}));
  ASSERT_EQ(expected.size(), 8u);
  EXPECT_EQ(expected[3], "result a b 1 3/1");
  EXPECT_EQ(expected[4], "noise puts from a test");
  EXPECT_TRUE(expected[7].starts_with("error truncated record")) << expected[7];

  std::vector<std::string> bytes;
  for (char c : transcript) bytes.emplace_back(1, c);
  EXPECT_EQ(describe(parse_all(bytes)), expected);
  for (std::size_t split = 0; split <= transcript.size(); ++split) {
    EXPECT_EQ(describe(parse_all({transcript.substr(0, split), transcript.substr(split)})),
              expected)
        << "split at " << split;
  }
}

TEST(RecordParserTest, CrLfLineEndings) {
  auto out = parse_all({"noise\r\n@distributest hello 3 pytest\r\n"
                        "@distributest result {\"path\":\"t.py\",\"status\":\"passed\"}\r\n"});
  EXPECT_EQ(describe(out), (std::vector<std::string>{"noise noise", "hello pytest",
                                                     "result t.py 0 0/0"}));
}

TEST(RecordParserTest, WrongProtocolVersion) {
  RecordParser parser;
  auto out = parse_all({"@distributest hello 1 rspec\n"}, &parser);
  EXPECT_EQ(describe(out), std::vector<std::string>{
                               "error runner speaks protocol v1, this distributest speaks v3"});
  EXPECT_FALSE(parser.handshaken());
}

TEST(RecordParserTest, MalformedHandshake) {
  for (const std::string line : {"@distributest hello x rspec\n", "@distributest hello 1\n",
                                 "@distributest hello 3 \n", "@distributest hello \n"}) {
    auto out = parse_all({line});
    ASSERT_EQ(out.size(), 1u) << line;
    EXPECT_EQ(out[0].kind, Kind::kError) << line;
    EXPECT_TRUE(out[0].text.starts_with("malformed handshake: @distributest hello")) << line;
  }
}

TEST(RecordParserTest, FullResultRecord) {
  auto out = parse_all(
      {kHello,
       R"(@distributest result {"path":"spec/a_spec.rb","status":"failed","duration":1.25,)"
       R"("examples":4,"failures":1,"pending":2,"errors":0,"future_key":{"x":[1]},)"
       R"("cases":[{"name":"works","location":"spec/a_spec.rb:3","status":"passed",)"
       R"("duration":0.5},{"name":"fails","status":"failed","message":"expected 1",)"
       R"("backtrace":"spec/a_spec.rb:9","skipped_reason":null}]})"
       "\n"});
  ASSERT_EQ(out.size(), 2u);
  ASSERT_EQ(out[1].kind, Kind::kResult);
  const FileResult& r = out[1].result;
  EXPECT_EQ(r.path, "spec/a_spec.rb");
  EXPECT_EQ(r.status, FileStatus::kFailed);
  EXPECT_DOUBLE_EQ(r.duration_seconds, 1.25);
  EXPECT_EQ(r.examples, 4);
  EXPECT_EQ(r.failures, 1);
  EXPECT_EQ(r.pending, 2);
  EXPECT_EQ(r.errors, 0);
  ASSERT_EQ(r.cases().size(), 2u);
  EXPECT_EQ(r.cases()[0].name, "works");
  EXPECT_EQ(r.cases()[0].location, "spec/a_spec.rb:3");
  EXPECT_EQ(r.cases()[0].status, "passed");
  EXPECT_DOUBLE_EQ(r.cases()[0].duration_seconds, 0.5);
  EXPECT_EQ(r.cases()[1].message, "expected 1");
  EXPECT_EQ(r.cases()[1].backtrace, "spec/a_spec.rb:9");
}

TEST(ParseResultJsonTest, OnlyStatusIsRequiredAndMessageIsTheError) {
  FileResult result;
  result.examples = 99;
  ASSERT_EQ(parse_result_json(R"({"status":"error","message":"cannot load x"})", result),
            std::nullopt);
  EXPECT_EQ(result.status, FileStatus::kError);
  EXPECT_EQ(result.error(), "cannot load x");
  EXPECT_EQ(result.examples, 0);
  EXPECT_EQ(result.path, "");
  EXPECT_TRUE(result.cases().empty());
}

TEST(ParseResultJsonTest, RejectsWrongTypesAndValues) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"([1,2])", "not a JSON object"},
      {R"("passed")", "not a JSON object"},
      {R"({})", "missing 'status'"},
      {R"({"status":"skipped"})", "unknown status 'skipped'"},
      {R"({"status":1})", "'status' is not a string"},
      {R"({"status":"passed","path":7})", "'path' is not a string"},
      {R"({"status":"passed","examples":"3"})", "'examples' is not a non-negative integer"},
      {R"({"status":"passed","failures":-1})", "'failures' is not a non-negative integer"},
      {R"({"status":"passed","pending":1.5})", "'pending' is not a non-negative integer"},
      {R"({"status":"passed","errors":3000000000})", "'errors' is not a non-negative integer"},
      {R"({"status":"passed","duration":"1s"})", "'duration' is not a non-negative number"},
      {R"({"status":"passed","duration":-0.1})", "'duration' is not a non-negative number"},
      {R"({"status":"passed","message":false})", "'message' is not a string"},
      {R"({"status":"passed","cases":{}})", "'cases' is not an array"},
      {R"({"status":"passed","cases":[3]})", "a case is not an object"},
      {R"({"status":"passed","cases":[{"name":1}]})", "case 'name' is not a string"},
      {R"({"status":"passed","cases":[{"duration":null}]})",
       "case 'duration' is not a non-negative number"},
  };
  for (const auto& [json, error] : cases) {
    FileResult result;
    result.path = "untouched";
    auto got = parse_result_json(json, result);
    ASSERT_TRUE(got.has_value()) << json;
    EXPECT_EQ(*got, error) << json;
    EXPECT_EQ(result.path, "untouched") << json;
  }
}

TEST(RecordParserTest, MalformedJsonIsAnErrorQuotingTheLine) {
  auto out = describe_one_result("{\"status\": passed}");
  ASSERT_EQ(out.size(), 2u);
  EXPECT_TRUE(out[1].starts_with("error malformed result record (invalid JSON: parse error"))
      << out[1];
  EXPECT_TRUE(out[1].ends_with("): @distributest result {\"status\": passed}")) << out[1];

  out = describe_one_result("{\"status\":\"passed\",\"path\":\"\xff\"}");
  EXPECT_TRUE(out[1].starts_with("error malformed result record (invalid JSON")) << out[1];
  out = describe(parse_all({kHello, "@distributest result\n"}));
  EXPECT_TRUE(out[1].starts_with("error malformed result record (invalid JSON")) << out[1];
  out = describe_one_result("{\"status\":\"passed\"} trailing");
  EXPECT_TRUE(out[1].starts_with("error malformed result record (invalid JSON")) << out[1];
}

TEST(RecordParserTest, WrongTypeIsAnErrorWithTheReason) {
  auto out = describe_one_result(R"({"status":"passed","examples":-2})");
  EXPECT_EQ(out[1],
            "error malformed result record ('examples' is not a non-negative integer): "
            "@distributest result {\"status\":\"passed\",\"examples\":-2}");
}

TEST(RecordParserTest, ErrorTextQuotesAtMost200BytesEscaped) {
  std::string json = "{\"status\":\"x\x01" + std::string(500, 'a') + "\"}";
  auto out = describe_one_result(json);
  ASSERT_EQ(out.size(), 2u);
  std::string quoted = out[1].substr(out[1].find("): ") + 3);
  EXPECT_TRUE(quoted.starts_with("@distributest result {\"status\":\"x\\x01aaa")) << quoted;
  EXPECT_TRUE(quoted.ends_with("aaa...")) << quoted;
  EXPECT_EQ(quoted.size(), 200u + 3 /* \x01 -> \\x01 */ + 3 /* ... */);
}

TEST(RecordParserTest, ErrorTextNeverCutsAUtf8Sequence) {
  std::string e_acute = "\xc3\xa9";
  for (const std::string& pad : {std::string(), std::string("x")}) {
    std::string json = "{\"status\":\"" + pad;
    for (int i = 0; i < 300; ++i) json += e_acute;
    json += "\"}";
    auto out = describe_one_result(json);
    ASSERT_EQ(out.size(), 2u);
    const std::string& text = out[1];
    EXPECT_TRUE(text.ends_with(e_acute + "...")) << "pad '" << pad << "'";
    for (std::size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '\xc3') {
        ASSERT_EQ(text.substr(i, 2), e_acute) << "pad '" << pad << "' at " << i;
        ++i;
      } else {
        ASSERT_NE(text[i], '\xa9') << "pad '" << pad << "': lone continuation byte at " << i;
      }
    }
  }
}

TEST(RecordParserTest, OtherLinesAfterTheHandshakeAreNoise) {
  auto out = describe(parse_all({kHello, "@distributest resultx {}\n@distributest ping\n\n"}));
  EXPECT_EQ(out, (std::vector<std::string>{"hello rspec", "noise @distributest resultx {}",
                                           "noise @distributest ping", "noise "}));
}

TEST(RecordParserTest, PartialLineAtTheEnd) {
  EXPECT_EQ(describe(parse_all({kHello + "@distributest result {\"sta"})),
            (std::vector<std::string>{
                "hello rspec",
                "error truncated record (the stream ended mid-line): @distributest result "
                "{\"sta"}));
  EXPECT_EQ(describe(parse_all({"Goodbye"})), std::vector<std::string>{"noise Goodbye"});
  EXPECT_TRUE(parse_all({kHello}).size() == 1);
}

TEST(RecordParserTest, OversizedRecordIsOneErrorWithBoundedMemory) {
  RecordParser parser;
  Messages out;
  parser.feed(kHello, out);
  const std::string mib(1024 * 1024, 'x');
  parser.feed("@distributest result {\"path\":\"", out);
  std::size_t most_buffered = 0;
  for (int i = 0; i < 100; ++i) {
    parser.feed(mib, out);
    most_buffered = std::max(most_buffered, parser.buffered_bytes());
  }
  EXPECT_LE(most_buffered, kMaxRecordBytes);
  EXPECT_EQ(parser.buffered_bytes(), 0u);  // the rest of the line is dropped, not held
  parser.feed(mib + "\"}\n@distributest result {\"path\":\"next\",\"status\":\"passed\"}\n",
              out);
  auto got = describe(out);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_TRUE(got[1].starts_with("error record larger than 64 MiB: @distributest result "))
      << got[1].substr(0, 100);
  EXPECT_LT(got[1].size(), 300u);
  EXPECT_EQ(got[2], "result next 0 0/0");
}

TEST(RecordParserTest, OversizedLineInOneChunkAndTheLimitItself) {
  RecordParser parser;
  Messages out;
  parser.feed(kHello, out);
  parser.feed(std::string(kMaxRecordBytes + 1, 'y') + "\nafter\n", out);
  auto got = describe(out);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_TRUE(got[1].starts_with("error record larger than 64 MiB: yyy"));
  EXPECT_EQ(got[2], "noise after");

  out.clear();
  parser.feed(std::string(kMaxRecordBytes - 1, 'z'), out);
  parser.feed("z\n", out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].kind, Kind::kNoise);
  EXPECT_EQ(out[0].text.size(), kMaxRecordBytes);
}

// Collects the output of each file the way the engine would: segments[0] continues the current
// file, every later segment starts the next one.
struct Files {
  std::vector<std::string> outputs{""};
  void feed(OutputSplitter& splitter, std::string_view chunk) {
    std::vector<std::string> segments{"stale"};
    splitter.feed(chunk, segments);
    ASSERT_GE(segments.size(), 1u);
    outputs.back() += segments[0];
    for (std::size_t i = 1; i < segments.size(); ++i) outputs.push_back(segments[i]);
  }
  void finish(OutputSplitter& splitter) { splitter.finish(outputs.back()); }
};

const std::string kMarker(kEndMarker);

TEST(OutputSplitterTest, MarkerSplitAtEveryPossibleBoundary) {
  const std::string stream = "one\n" + kMarker + "two, no newline" + kMarker + kMarker +
                             "\x1e not a marker\x1e" "distributest:end without newline" +
                             kMarker + "tail\x1e" "distributest:en";
  const std::vector<std::string> expected = {
      "one\n", "two, no newline", "",
      "\x1e not a marker\x1e" "distributest:end without newline",
      "tail\x1e" "distributest:en"};
  for (std::size_t i = 0; i <= stream.size(); ++i) {
    for (std::size_t j = i; j <= stream.size(); ++j) {
      OutputSplitter splitter;
      Files files;
      files.feed(splitter, std::string_view(stream).substr(0, i));
      files.feed(splitter, std::string_view(stream).substr(i, j - i));
      files.feed(splitter, std::string_view(stream).substr(j));
      files.finish(splitter);
      ASSERT_EQ(files.outputs, expected) << "chunks split at " << i << " and " << j;
    }
  }
  OutputSplitter splitter;
  Files files;
  for (char c : stream) files.feed(splitter, std::string(1, c));
  files.finish(splitter);
  EXPECT_EQ(files.outputs, expected);
}

TEST(OutputSplitterTest, SeveralMarkersInOneChunk) {
  OutputSplitter splitter;
  std::vector<std::string> segments;
  splitter.feed("a" + kMarker + "b" + kMarker + "c", segments);
  EXPECT_EQ(segments, (std::vector<std::string>{"a", "b", "c"}));
  splitter.feed(kMarker, segments);
  EXPECT_EQ(segments, (std::vector<std::string>{"", ""}));
  splitter.feed("", segments);
  EXPECT_EQ(segments, std::vector<std::string>{""});
}

TEST(OutputSplitterTest, HoldsBackOnlyWhatCouldBeginAMarker) {
  OutputSplitter splitter;
  std::vector<std::string> segments;
  splitter.feed("plain output", segments);
  EXPECT_EQ(segments, std::vector<std::string>{"plain output"});
  splitter.feed("x\x1e" "dist", segments);
  EXPECT_EQ(segments, std::vector<std::string>{"x"});
  splitter.feed("ant", segments);  // "\x1e" "distant" cannot become a marker
  EXPECT_EQ(segments, std::vector<std::string>{"\x1e" "distant"});
  splitter.feed("\x1e\x1e", segments);
  EXPECT_EQ(segments, std::vector<std::string>{"\x1e"});
  splitter.feed("distributest:end\n!", segments);
  EXPECT_EQ(segments, (std::vector<std::string>{"", "!"}));
  splitter.feed("\x1e", segments);
  EXPECT_EQ(segments, std::vector<std::string>{""});
  std::string rest;
  splitter.finish(rest);
  EXPECT_EQ(rest, "\x1e");
  splitter.finish(rest);
  EXPECT_EQ(rest, "\x1e");
}

}  // namespace
}  // namespace dt

namespace dt {
namespace {

TEST(WorkLineTest, AWholeFileIsItsPathAndAPartIsJsonAfterTheUnitSeparator) {
  EXPECT_EQ(work_line("spec/a b_spec.rb", Selection{}), "spec/a b_spec.rb\n");
  Selection only{Selection::Kind::kOnly, {"./spec/x_spec.rb[1:2]", "t\"q $(x)\n"}, 1, 2};
  std::string line = work_line("spec/x \"$(y)\"_spec.rb", only);
  ASSERT_EQ(line.front(), '\x1f');
  ASSERT_EQ(line.back(), '\n');
  EXPECT_EQ(std::count(line.begin(), line.end(), '\n'), 1) << "one line, whatever the ids hold";
  EXPECT_EQ(line, "\x1f{\"only\":[\"./spec/x_spec.rb[1:2]\",\"t\\\"q $(x)\\n\"],"
                  "\"path\":\"spec/x \\\"$(y)\\\"_spec.rb\"}\n");
  Selection except{Selection::Kind::kExcept, {"a"}, 2, 2};
  EXPECT_EQ(work_line("p", except), "\x1f{\"except\":[\"a\"],\"path\":\"p\"}\n");
}

TEST(RecordParserTest, CasesCarryTheirIds) {
  FileResult r;
  ASSERT_FALSE(parse_result_json(
      R"({"status":"passed","cases":[{"id":"t.py::a[1]","name":"a","status":"passed"},{"name":"b"}]})",
      r));
  ASSERT_EQ(r.cases().size(), 2u);
  EXPECT_EQ(r.cases()[0].id, "t.py::a[1]");
  EXPECT_EQ(r.cases()[1].id, "") << "a case without an id: its file is never split";
  EXPECT_TRUE(parse_result_json(R"({"status":"passed","cases":[{"id":3}]})", r));
}

}  // namespace
}  // namespace dt

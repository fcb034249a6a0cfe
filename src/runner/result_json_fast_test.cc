#include "runner/result_json_fast.h"

#include <gtest/gtest.h>

#include <charconv>
#include <cstring>
#include <string>
#include <vector>

#include "runner/protocol.h"

namespace dt {
namespace {

bool same_case(const CaseResult& a, const CaseResult& b) {
  return a.id == b.id && a.name == b.name && a.location == b.location && a.status == b.status &&
         a.duration_seconds == b.duration_seconds && a.message == b.message &&
         a.backtrace == b.backtrace;
}

bool same_result(const FileResult& a, const FileResult& b) {
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

// What the fast reader accepts, the general parser accepts too, reading the same.
void expect_agrees(const std::string& json) {
  FileResult fast;
  if (!parse_result_json_fast(json, fast)) return;
  FileResult general;
  auto error = parse_result_json_general(json, general);
  ASSERT_FALSE(error) << json << ": the general parser says " << *error;
  EXPECT_TRUE(same_result(fast, general)) << json;
}

const std::vector<std::string> kRecords = {
    R"({"path":"t/f0000042.py","status":"passed","duration":0.523,"examples":1,"failures":0,"pending":0})",
    R"( { "status" : "failed" , "duration" : 12 , "examples" : 3 , "failures" : 1 , "errors" : 0 } )",
    R"({"status":"error","message":"cannot load spec_helper","duration":1e-3})",
    "{\"status\":\"passed\",\r\n\t\"duration\":2.5E+1,\"cases\":[]}",
    R"({"path":"spec/a_spec.rb","status":"failed","duration":0.25,"examples":2,"failures":1,)"
    R"("pending":0,"cases":[{"id":"spec/a_spec.rb[1:1]","name":"a works","location":"spec/a_spec.rb:3",)"
    R"("status":"passed","duration":0.1},{"id":"spec/a_spec.rb[1:2]","name":"a fails",)"
    R"("status":"failed","duration":0.15,"message":"expected 1, got 2","backtrace":"x.rb:9"}]})",
};

TEST(ResultJsonFastTest, ReadsTheCommonShapeAsTheGeneralParserDoes) {
  for (const std::string& json : kRecords) {
    FileResult fast;
    ASSERT_TRUE(parse_result_json_fast(json, fast)) << json;
    expect_agrees(json);
  }
  FileResult r;
  ASSERT_TRUE(parse_result_json_fast(kRecords[4], r));
  EXPECT_EQ(r.path, "spec/a_spec.rb");
  EXPECT_EQ(r.status, FileStatus::kFailed);
  EXPECT_EQ(r.duration_seconds, 0.25);
  ASSERT_EQ(r.cases().size(), 2u);
  EXPECT_EQ(r.cases()[1].id, "spec/a_spec.rb[1:2]");
  EXPECT_EQ(r.cases()[1].message, "expected 1, got 2");
  ASSERT_TRUE(parse_result_json_fast(kRecords[3], r));
  EXPECT_EQ(r.duration_seconds, 25);
  // Counts of up to nine digits are added up by hand; longer ones up to INT_MAX still read.
  const std::string counts = R"({"status":"passed","examples":999999999,"failures":2147483647,"pending":7})";
  ASSERT_TRUE(parse_result_json_fast(counts, r));
  EXPECT_EQ(r.examples, 999999999);
  EXPECT_EQ(r.failures, 2147483647);
  EXPECT_EQ(r.pending, 7);
  expect_agrees(counts);
  // Short decimals are read as a mantissa over a power of ten; they must round as from_chars.
  for (const char* d : {"0.523", "0.1", "0.3", "12.345678901234", "9007199254.740993",
                        "0.000000000000001", "123456789012.345", "1.2345678901234567"}) {
    std::string json = std::string(R"({"status":"passed","duration":)") + d + "}";
    ASSERT_TRUE(parse_result_json_fast(json, r)) << json;
    double expected = 0;
    std::from_chars(d, d + std::strlen(d), expected);
    EXPECT_EQ(r.duration_seconds, expected) << d;
    expect_agrees(json);
  }
}

TEST(ResultJsonFastTest, LeavesAnythingElseToTheGeneralParser) {
  const std::vector<std::string> refused = {
      R"({"status":"passed","path":"caf\u00e9"})",            // an escape
      "{\"status\":\"passed\",\"path\":\"caf\xc3\xa9\"}",        // UTF-8
      R"({"status":"passed","future":{"x":[1,2]}})",          // an unknown key
      R"({"status":"failed","status":"passed"})",             // a key twice (the last wins)
      R"({"status":"passed","duration":18446744073709551616})",  // past uint64_t
      R"({"status":"passed","duration":1e400})",              // past double
      R"({"status":"passed","examples":2147483648})",         // past INT_MAX: an error
      R"({"status":"passed","examples":1.0})",                // not an integer: an error
      R"({"status":"passed","duration":-1})",                 // negative: an error
      R"({"status":"skipped"})",                              // unknown status: an error
      R"({"status":"passed","examples":01})",                 // invalid JSON
      R"({"status":"passed",})",
      R"({"status":"passed"} x)",
      R"({"path":"a"})",                                      // no status: an error
      R"({"status":null})",
      "",
  };
  for (const std::string& json : refused) {
    FileResult r;
    r.path = "untouched";
    EXPECT_FALSE(parse_result_json_fast(json, r)) << json;
    EXPECT_EQ(r.path, "untouched");
  }
  // What the general parser makes of them is what parse_result_json says.
  FileResult r;
  ASSERT_FALSE(parse_result_json(refused[0], r));
  EXPECT_EQ(r.path, "caf\xc3\xa9");
  ASSERT_FALSE(parse_result_json(refused[3], r));
  EXPECT_EQ(r.status, FileStatus::kPassed);
  EXPECT_EQ(*parse_result_json(refused[6], r), "'examples' is not a non-negative integer");
}

// Every record cut short, with a byte dropped, or with a byte changed to one that matters to
// JSON: the fast reader either refuses it or reads it as the general parser does.
TEST(ResultJsonFastTest, NeverDisagreesWithTheGeneralParserOnMutatedRecords) {
  const std::string bytes = "\"\\{}[],:. 0-1eE+x\x01\x80";
  for (const std::string& json : kRecords) {
    for (std::size_t i = 0; i <= json.size(); ++i) {
      expect_agrees(json.substr(0, i));
      if (i == json.size()) break;
      expect_agrees(json.substr(0, i) + json.substr(i + 1));
      for (char c : bytes) {
        std::string changed = json;
        changed[i] = c;
        expect_agrees(changed);
        expect_agrees(json.substr(0, i) + c + json.substr(i));
      }
    }
  }
}

}  // namespace
}  // namespace dt

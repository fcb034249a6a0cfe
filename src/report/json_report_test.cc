#include "report/json_report.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

namespace dt {
namespace {

using nlohmann::json;

RunResult sample_run() {
  RunResult r;
  FileResult f;
  f.path = "spec/x_spec.rb";
  f.status = FileStatus::kFailed;
  f.duration_seconds = 4.5;
  f.started_seconds = 1.25;
  f.node = "devbox";
  f.runner = "devbox_local_2";
  f.attempts = 1;
  f.examples = 2;
  f.failures = 1;
  f.pending = 0;
  f.cases() = {{"User signs in", "spec/x_spec.rb:5", "passed", 0.1, "", ""},
             {"User rejects a bad password", "spec/x_spec.rb:12", "failed", 0.2, "expected 200",
              "spec/x_spec.rb:13:in `block'"}};
  f.output() = "some output\n";
  f.earlier_attempts() = {{"lan", "devbox_lan_1", 0.5, 0.75, "requeued", "its node was lost"}};
  FileResult n;
  n.path = "spec/n_spec.rb";
  r.files = {f, n};
  r.runners = {{"devbox_local_2", "devbox", 2, {{"spec/b_spec.rb"}, {"spec/x_spec.rb"}}, "ok",
                {TeardownSpan{4.5, 1.25}}}};
  r.nodes = {{"devbox", "devbox.example", "ok", "/home/u/.cache/distributest/p"},
             {"lan", "lan.example", "lost after 1.2s: the connection broke", "/srv/dt/p", 1.25}};
  r.summary = {1, 2, 1, 0, 0, 1, 12.5, 4.5};
  r.interrupted = true;
  return r;
}

TEST(JsonReportTest, VersionComesFirst) {
  std::string text = json_report(sample_run());
  EXPECT_EQ(text.rfind("{\n  \"version\": 1,", 0), 0u) << text.substr(0, 40);
  EXPECT_EQ(text.back(), '\n');
}

TEST(JsonReportTest, Summary) {
  json j = json::parse(json_report(sample_run()));
  EXPECT_EQ(j["version"], kJsonReportVersion);
  const json& s = j["summary"];
  EXPECT_EQ(s["files"], 1);
  EXPECT_EQ(s["examples"], 2);
  EXPECT_EQ(s["failures"], 1);
  EXPECT_EQ(s["pending"], 0);
  EXPECT_EQ(s["errors"], 0);
  EXPECT_EQ(s["not_run"], 1);
  EXPECT_DOUBLE_EQ(s["wall_seconds"].get<double>(), 12.5);
  EXPECT_DOUBLE_EQ(s["lower_bound_seconds"].get<double>(), 4.5);
  EXPECT_EQ(s["interrupted"], true);
  EXPECT_EQ(s["fail_fast_triggered"], false);
}

TEST(JsonReportTest, Files) {
  json j = json::parse(json_report(sample_run()));
  ASSERT_EQ(j["files"].size(), 2u);
  const json& f = j["files"][0];
  EXPECT_EQ(f["path"], "spec/x_spec.rb");
  EXPECT_EQ(f["status"], "failed");
  EXPECT_DOUBLE_EQ(f["duration_seconds"].get<double>(), 4.5);
  EXPECT_DOUBLE_EQ(f["started_seconds"].get<double>(), 1.25);
  EXPECT_EQ(f["node"], "devbox");
  EXPECT_EQ(f["runner"], "devbox_local_2");
  EXPECT_EQ(f["attempts"], 1);
  EXPECT_EQ(f["examples"], 2);
  EXPECT_EQ(f["failure_count"], 1);
  EXPECT_EQ(f["errors"], 0);
  ASSERT_EQ(f["failures"].size(), 1u);
  EXPECT_EQ(f["failures"][0]["name"], "User rejects a bad password");
  EXPECT_EQ(f["failures"][0]["location"], "spec/x_spec.rb:12");
  EXPECT_EQ(f["failures"][0]["message"], "expected 200");
  EXPECT_EQ(f["failures"][0]["backtrace"], "spec/x_spec.rb:13:in `block'");
  ASSERT_EQ(f["cases"].size(), 2u);
  EXPECT_EQ(f["cases"][0]["status"], "passed");
  EXPECT_DOUBLE_EQ(f["cases"][1]["duration_seconds"].get<double>(), 0.2);
  EXPECT_EQ(f["output"], "some output\n");
  EXPECT_EQ(f["error"], "");
  EXPECT_EQ(j["files"][1]["status"], "not run");
  EXPECT_TRUE(j["files"][1]["failures"].is_array());
}

TEST(JsonReportTest, EarlierAttemptsOfAFile) {
  json j = json::parse(json_report(sample_run()));
  const json& a = j["files"][0]["earlier_attempts"];
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0]["node"], "lan");
  EXPECT_EQ(a[0]["runner"], "devbox_lan_1");
  EXPECT_DOUBLE_EQ(a[0]["started_seconds"].get<double>(), 0.5);
  EXPECT_DOUBLE_EQ(a[0]["duration_seconds"].get<double>(), 0.75);
  EXPECT_EQ(a[0]["outcome"], "requeued");
  EXPECT_EQ(a[0]["why"], "its node was lost");
  EXPECT_EQ(j["files"][1]["earlier_attempts"], json::array());
}

TEST(JsonReportTest, RunnersAndNodes) {
  json j = json::parse(json_report(sample_run()));
  ASSERT_EQ(j["runners"].size(), 1u);
  EXPECT_EQ(j["runners"][0]["id"], "devbox_local_2");
  EXPECT_EQ(j["runners"][0]["node"], "devbox");
  EXPECT_EQ(j["runners"][0]["index"], 2);
  EXPECT_EQ(j["runners"][0]["status"], "ok");
  EXPECT_EQ(j["runners"][0]["files"], json({"spec/b_spec.rb", "spec/x_spec.rb"}));
  ASSERT_EQ(j["runners"][0]["teardowns"].size(), 1u);
  EXPECT_DOUBLE_EQ(j["runners"][0]["teardowns"][0]["started_seconds"].get<double>(), 4.5);
  EXPECT_DOUBLE_EQ(j["runners"][0]["teardowns"][0]["duration_seconds"].get<double>(), 1.25);
  ASSERT_EQ(j["nodes"].size(), 2u);
  EXPECT_EQ(j["nodes"][0]["name"], "devbox");
  EXPECT_EQ(j["nodes"][0]["host"], "devbox.example");
  EXPECT_EQ(j["nodes"][0]["status"], "ok");
  EXPECT_EQ(j["nodes"][0]["remote_dir"], "/home/u/.cache/distributest/p");
  EXPECT_TRUE(j["nodes"][0]["lost_seconds"].is_null());
  EXPECT_DOUBLE_EQ(j["nodes"][1]["lost_seconds"].get<double>(), 1.25);
}

TEST(JsonReportTest, InvalidUtf8IsReplaced) {
  RunResult r = sample_run();
  r.files[0].output() = "bad \xff\xfe bytes \xc3\xa9\n";
  r.files[0].cases()[1].message = "trunc\xe2\x9c";
  std::string text = json_report(r);
  json j = json::parse(text);  // throws, failing the test, on invalid UTF-8
  EXPECT_EQ(j["files"][0]["output"], "bad \xef\xbf\xbd\xef\xbf\xbd bytes \xc3\xa9\n");
  EXPECT_EQ(j["files"][0]["failures"][0]["message"].get<std::string>().rfind("trunc", 0), 0u);
}

TEST(JsonReportTest, EmptyRun) {
  json j = json::parse(json_report(RunResult{}));
  EXPECT_TRUE(j["files"].is_array());
  EXPECT_TRUE(j["runners"].is_array());
  EXPECT_TRUE(j["nodes"].is_array());
  EXPECT_EQ(j["summary"]["files"], 0);
}

TEST(JsonReportTest, WritesTheFile) {
  std::string path = ::testing::TempDir() + "/json_report_test.json";
  ASSERT_EQ(write_json_report(sample_run(), path), "");
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str(), json_report(sample_run()));
  EXPECT_NE(write_json_report(sample_run(), "/nonexistent-dir/r.json"), "");
}

// spec/big_spec.rb ran as two parts on two runners, merged back as the engine does.
RunResult split_run() {
  RunResult r;
  for (int i = 1; i <= 2; ++i) {
    FileResult p;
    p.path = "spec/big_spec.rb";
    p.selection = {i == 1 ? Selection::Kind::kOnly : Selection::Kind::kExcept, {"ex1"}, i, 2};
    p.status = i == 1 ? FileStatus::kPassed : FileStatus::kFailed;
    p.node = i == 1 ? "devbox" : "lan";
    p.runner = i == 1 ? "devbox_local_1" : "devbox_lan_1";
    p.started_seconds = 0.5 * i;
    p.duration_seconds = 2.0 * i;
    p.attempts = i;
    p.examples = 3;
    p.failures = i - 1;
    p.pending = 1;
    p.errors = 0;
    p.error() = i == 1 ? "" : "exit 1";
    p.cases() = {{"case " + std::to_string(i), "spec/big_spec.rb:" + std::to_string(i),
                i == 1 ? "passed" : "failed", 0.5, "", "", "ex" + std::to_string(i)}};
    r.files.push_back(p);
  }
  merge_parts(r);
  r.drift = {{"spec/big_spec.rb", 6, 8, "devbox, lan"}};
  return r;
}

TEST(JsonReportTest, ASplitFileIsOneObjectWithItsParts) {
  json j = json::parse(json_report(split_run()));
  ASSERT_EQ(j["files"].size(), 1u);
  const json& f = j["files"][0];
  EXPECT_EQ(f["path"], "spec/big_spec.rb");
  EXPECT_EQ(f["status"], "failed");
  EXPECT_EQ(f["examples"], 6);
  ASSERT_EQ(f["cases"].size(), 2u);
  EXPECT_EQ(f["cases"][0]["id"], "ex1");
  EXPECT_EQ(f["cases"][1]["id"], "ex2");
  ASSERT_EQ(f["parts"].size(), 2u);
  const json& p = f["parts"][1];
  EXPECT_EQ(p["part"], 2);
  EXPECT_EQ(p["parts"], 2);
  EXPECT_EQ(p["status"], "failed");
  EXPECT_EQ(p["node"], "lan");
  EXPECT_EQ(p["runner"], "devbox_lan_1");
  EXPECT_DOUBLE_EQ(p["started_seconds"].get<double>(), 1.0);
  EXPECT_DOUBLE_EQ(p["duration_seconds"].get<double>(), 4.0);
  EXPECT_EQ(p["attempts"], 2);
  EXPECT_EQ(p["examples"], 3);
  EXPECT_EQ(p["failure_count"], 1);
  EXPECT_EQ(p["pending"], 1);
  EXPECT_EQ(p["errors"], 0);
  EXPECT_EQ(p["error"], "exit 1");
  EXPECT_EQ(f["parts"][0]["runner"], "devbox_local_1");
  EXPECT_EQ(f["parts"][0]["status"], "passed");
  EXPECT_FALSE(p.contains("cases")) << "the cases are the file's";
}

TEST(JsonReportTest, WholeFilesHaveNoPartsAndCasesNoId) {
  json j = json::parse(json_report(sample_run()));
  EXPECT_EQ(j["files"][0]["parts"], json::array());
  EXPECT_EQ(j["files"][1]["parts"], json::array());
  EXPECT_FALSE(j["files"][0]["cases"][0].contains("id"));
  EXPECT_EQ(j["drift"], json::array());
}

TEST(JsonReportTest, Drift) {
  json j = json::parse(json_report(split_run()));
  ASSERT_EQ(j["drift"].size(), 1u);
  EXPECT_EQ(j["drift"][0]["path"], "spec/big_spec.rb");
  EXPECT_EQ(j["drift"][0]["examples"], 6);
  EXPECT_EQ(j["drift"][0]["last_examples"], 8);
  EXPECT_EQ(j["drift"][0]["nodes"], "devbox, lan");
}

TEST(JsonReportTest, RunnersListTheirWorkItems) {
  RunResult r = split_run();
  r.runners = {{"devbox_local_1",
                "devbox",
                1,
                {{"spec/a_spec.rb"}, {"spec/big_spec.rb", r.files[0].parts()[0].selection}},
                "ok"}};
  json j = json::parse(json_report(r));
  EXPECT_EQ(j["runners"][0]["files"], json({"spec/a_spec.rb", "spec/big_spec.rb (part 1/2)"}));
}

}  // namespace
}  // namespace dt

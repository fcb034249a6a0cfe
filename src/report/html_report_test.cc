#include "report/html_report.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

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
  f.attempts = 2;
  f.examples = 2;
  f.failures = 1;
  f.cases() = {{"User signs in", "spec/x_spec.rb:5", "passed", 0.1, "", ""},
             {"User rejects a bad password", "spec/x_spec.rb:12", "failed", 0.2, "expected 200",
              "spec/x_spec.rb:13:in `block'"}};
  f.output() = "before </script><script>alert(1)</script> <!-- after\n";
  FileResult p;
  p.path = "spec/p_spec.rb";
  p.status = FileStatus::kPassed;
  p.duration_seconds = 2;
  p.node = "ci7";
  p.runner = "ci7_1";
  p.attempts = 1;
  p.examples = 3;
  p.output() = "ok \xff\xfe bad bytes\n";
  FileResult n;
  n.path = "spec/n_spec.rb";
  r.files = {f, p, n};
  r.runners = {{"devbox_local_2", "devbox", 2, {{"spec/x_spec.rb"}}, "ok"},
               {"ci7_1", "ci7", 1, {{"spec/p_spec.rb"}}, "ok"}};
  r.nodes = {{"devbox", "devbox.example", "ok", ""},
             {"ci7", "ci7.example", "lost after 12s: connection reset", "/tmp/d", 12.25}};
  r.summary = {2, 5, 1, 0, 0, 1, 12.5, 4.5};
  r.summary.flaky = 0;
  return r;
}

// The embedded data: the text of <script type="application/json" id="data">, parsed back.
json embedded(const std::string& page) {
  const std::string open = "<script type=\"application/json\" id=\"data\">";
  std::size_t begin = page.find(open);
  EXPECT_NE(begin, std::string::npos);
  begin += open.size();
  std::size_t end = page.find("</script>", begin);
  EXPECT_NE(end, std::string::npos);
  return json::parse(page.substr(begin, end - begin));
}

TEST(HtmlReportTest, SelfContained) {
  std::string page = html_report(sample_run());
  EXPECT_EQ(page.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_EQ(page.find("http://"), std::string::npos);
  EXPECT_EQ(page.find("https://"), std::string::npos);
  EXPECT_EQ(page.find("src="), std::string::npos);
  EXPECT_NE(page.find("<meta charset=\"utf-8\">"), std::string::npos);
}

TEST(HtmlReportTest, SummaryNumbers) {
  std::string page = html_report(sample_run());
  EXPECT_NE(page.find("<b>2</b><span>files</span>"), std::string::npos);
  EXPECT_NE(page.find("<b>5</b><span>examples</span>"), std::string::npos);
  EXPECT_NE(page.find("<b>1</b><span>failures</span>"), std::string::npos);
  EXPECT_NE(page.find("<b>0</b><span>pending</span>"), std::string::npos);
  EXPECT_NE(page.find("<b>1</b><span>not run</span>"), std::string::npos);
  EXPECT_NE(page.find("<b>0</b><span>flaky</span>"), std::string::npos);
  EXPECT_NE(page.find("<b>12.5 s</b><span>wall time</span>"), std::string::npos);
  EXPECT_NE(page.find("<b>4.5 s</b><span>ideal lower bound</span>"), std::string::npos);
  EXPECT_NE(page.find("<b>2.78\u00d7</b>"), std::string::npos);
}

TEST(HtmlReportTest, ZeroLowerBoundHasNoRatio) {
  RunResult r;
  std::string page = html_report(r);
  EXPECT_NE(page.find("<b>-</b><span>wall / lower bound</span>"), std::string::npos);
  json d = embedded(page);
  EXPECT_EQ(d["files"].size(), 0u);
  EXPECT_EQ(d["failures"].size(), 0u);
}

TEST(HtmlReportTest, OneEntryPerFile) {
  RunResult r = sample_run();
  for (int i = 0; i < 500; ++i) {
    FileResult f;
    f.path = "spec/gen_" + std::to_string(i) + "_spec.rb";
    f.status = FileStatus::kPassed;
    f.runner = "ci7_1";
    f.node = "ci7";
    f.started_seconds = i;
    f.duration_seconds = 1;
    f.attempts = 1;
    r.files.push_back(f);
  }
  json d = embedded(html_report(r));
  ASSERT_EQ(d["files"].size(), r.files.size());
  for (std::size_t i = 0; i < r.files.size(); ++i) {
    EXPECT_EQ(d["files"][i]["p"], r.files[i].path);
    EXPECT_EQ(d["files"][i]["s"], to_string(r.files[i].status));
  }
  EXPECT_EQ(d["files"][0]["a"], 2);
  EXPECT_DOUBLE_EQ(d["files"][0]["t"].get<double>(), 1.25);
  EXPECT_DOUBLE_EQ(d["files"][0]["d"].get<double>(), 4.5);
  EXPECT_EQ(d["files"][0]["r"], "devbox_local_2");
  // Only failed files carry their output.
  ASSERT_EQ(d["failures"].size(), 1u);
  EXPECT_EQ(d["failures"][0]["path"], "spec/x_spec.rb");
  ASSERT_EQ(d["failures"][0]["cases"].size(), 1u);
  EXPECT_EQ(d["failures"][0]["cases"][0]["message"], "expected 200");
  EXPECT_EQ(d["failures"][0]["cases"][0]["backtrace"], "spec/x_spec.rb:13:in `block'");
}

TEST(HtmlReportTest, OutputCannotCloseTheScript) {
  RunResult r = sample_run();
  std::string page = html_report(r);
  EXPECT_EQ(page.find("alert(1)</script>"), std::string::npos);
  EXPECT_EQ(page.find("<script>alert"), std::string::npos);
  EXPECT_EQ(page.find("<!-- after"), std::string::npos);
  EXPECT_NE(page.find("before <\\/script>"), std::string::npos);
  // Exactly the page's own two scripts close.
  std::size_t closes = 0;
  for (std::size_t at = page.find("</script>"); at != std::string::npos;
       at = page.find("</script>", at + 1))
    ++closes;
  EXPECT_EQ(closes, 2u);
  // And the text comes back intact.
  EXPECT_EQ(embedded(page)["failures"][0]["output"], r.files[0].output());
}

TEST(HtmlReportTest, InvalidUtf8IsReplaced) {
  RunResult r = sample_run();
  r.files[0].output() = "bad \xff\xfe bytes";
  r.files[1].path = "spec/\xc3_spec.rb";
  std::string page;
  ASSERT_NO_THROW(page = html_report(r));
  json d = embedded(page);
  EXPECT_EQ(d["failures"][0]["output"], "bad \xef\xbf\xbd\xef\xbf\xbd bytes");
  EXPECT_EQ(d["files"][1]["p"], "spec/\xef\xbf\xbd_spec.rb");
}

TEST(HtmlReportTest, LostNodeShown) {
  json d = embedded(html_report(sample_run()));
  ASSERT_EQ(d["nodes"].size(), 2u);
  EXPECT_EQ(d["nodes"][1]["name"], "ci7");
  EXPECT_EQ(d["nodes"][1]["status"], "lost after 12s: connection reset");
  ASSERT_EQ(d["runners"].size(), 2u);
  EXPECT_EQ(d["runners"][1]["node"], "ci7");
  EXPECT_TRUE(d["nodes"][0]["lost"].is_null());
  EXPECT_DOUBLE_EQ(d["nodes"][1]["lost"].get<double>(), 12.25);
}

TEST(HtmlReportTest, EarlierAttemptsAreEmbeddedWhereTheyRan) {
  RunResult r = sample_run();
  r.files[0].earlier_attempts() = {
      {"ci7", "ci7_1", 0.5, 11.75, "requeued", "its node was lost: connection reset"}};
  json d = embedded(html_report(r));
  ASSERT_TRUE(d["files"][0].contains("e"));
  const json& e = d["files"][0]["e"][0];
  EXPECT_EQ(e["r"], "ci7_1");
  EXPECT_EQ(e["n"], "ci7");
  EXPECT_DOUBLE_EQ(e["t"].get<double>(), 0.5);
  EXPECT_DOUBLE_EQ(e["d"].get<double>(), 11.75);
  EXPECT_EQ(e["o"], "requeued");
  EXPECT_EQ(e["w"], "its node was lost: connection reset");
  EXPECT_FALSE(d["files"][1].contains("e")) << "files with one try stay compact";
  // The failure section says where the earlier tries went.
  ASSERT_EQ(d["failures"][0]["earlier"].size(), 1u);
  EXPECT_EQ(d["failures"][0]["earlier"][0]["r"], "ci7_1");
}

TEST(HtmlReportTest, RunnersTeardownsAreEmbeddedForTheirLane) {
  RunResult r = sample_run();
  r.runners[0].teardowns = {TeardownSpan{5.75, 3.5}};
  std::string page = html_report(r);
  json d = embedded(page);
  ASSERT_EQ(d["runners"][0]["td"].size(), 1u);
  EXPECT_DOUBLE_EQ(d["runners"][0]["td"][0][0].get<double>(), 5.75);
  EXPECT_DOUBLE_EQ(d["runners"][0]["td"][0][1].get<double>(), 3.5);
  EXPECT_TRUE(d["runners"][1]["td"].empty());
  EXPECT_NE(page.find("class=\"teardown\""), std::string::npos) << "in the legend";
}

TEST(HtmlReportTest, WritesFile) {
  std::string path = ::testing::TempDir() + "html_report_test.html";
  ASSERT_EQ(write_html_report(sample_run(), path), "");
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str(), html_report(sample_run()));
  std::remove(path.c_str());
  EXPECT_NE(write_html_report(sample_run(), "/nonexistent-dir/x.html"), "");
}

// sample_run() plus spec/big_spec.rb, split in two parts that ran on both runners and merged
// back as the engine does; part 2 failed after a requeue.
RunResult split_run() {
  RunResult r = sample_run();
  std::vector<FileResult> parts;
  for (int i = 1; i <= 2; ++i) {
    FileResult p;
    p.path = "spec/big_spec.rb";
    p.selection = {i == 1 ? Selection::Kind::kOnly : Selection::Kind::kExcept, {"e1"}, i, 2};
    p.status = i == 1 ? FileStatus::kPassed : FileStatus::kFailed;
    p.node = i == 1 ? "devbox" : "ci7";
    p.runner = i == 1 ? "devbox_local_2" : "ci7_1";
    p.started_seconds = 6 + i;
    p.duration_seconds = i;
    p.attempts = i;
    p.examples = 1;
    p.failures = i - 1;
    p.cases() = {{"big " + std::to_string(i), "", i == 1 ? "passed" : "failed", 0.5, "nope", "",
                "e" + std::to_string(i)}};
    p.output() = "part " + std::to_string(i) + " says\n";
    if (i == 2) p.earlier_attempts() = {{"devbox", "devbox_local_2", 2, 1.5, "requeued", "died"}};
    parts.push_back(p);
  }
  r.files.insert(r.files.begin() + 2, parts.begin(), parts.end());
  merge_parts(r);
  r.summary.split_files = 1;
  r.summary.parts = 2;
  r.drift = {{"spec/big_spec.rb", 2, 3, "devbox, ci7 <b>"}};
  return r;
}

TEST(HtmlReportTest, ASplitFileIsOneEntryWithABarPerPart) {
  RunResult r = split_run();
  json d = embedded(html_report(r));
  ASSERT_EQ(d["files"].size(), 4u) << "one entry per file";
  const json& f = d["files"][2];
  EXPECT_EQ(f["p"], "spec/big_spec.rb");
  ASSERT_EQ(f["parts"].size(), 2u);
  EXPECT_FALSE(f.contains("e")) << "the tries are drawn with the part that had them";
  const json& p1 = f["parts"][0];
  const json& p2 = f["parts"][1];
  EXPECT_EQ(p1["i"], 1);
  EXPECT_EQ(p1["k"], 2);
  EXPECT_EQ(p1["r"], "devbox_local_2");
  EXPECT_EQ(p1["n"], "devbox");
  EXPECT_EQ(p1["s"], "passed");
  EXPECT_DOUBLE_EQ(p1["t"].get<double>(), 7);
  EXPECT_DOUBLE_EQ(p1["d"].get<double>(), 1);
  EXPECT_EQ(p2["r"], "ci7_1");
  EXPECT_EQ(p2["s"], "failed");
  EXPECT_EQ(p2["a"], 2);
  EXPECT_DOUBLE_EQ(p2["t"].get<double>(), 8);
  ASSERT_EQ(p2["e"].size(), 1u);
  EXPECT_EQ(p2["e"][0]["o"], "requeued");
  EXPECT_FALSE(p1.contains("e"));
  EXPECT_FALSE(d["files"][0].contains("parts")) << "whole files unchanged";
  // Its failure is one, with its parts named and the output of both.
  ASSERT_EQ(d["failures"].size(), 2u);
  const json& fail = d["failures"][1];
  EXPECT_EQ(fail["path"], "spec/big_spec.rb");
  ASSERT_EQ(fail["cases"].size(), 1u);
  EXPECT_EQ(fail["cases"][0]["name"], "big 2");
  ASSERT_EQ(fail["parts"].size(), 2u);
  EXPECT_EQ(fail["parts"][1]["label"], "spec/big_spec.rb (part 2/2)");
  EXPECT_EQ(fail["parts"][1]["runner"], "ci7_1");
  EXPECT_EQ(fail["output"],
            "--- spec/big_spec.rb (part 1/2) (devbox, devbox_local_2)\npart 1 says\n"
            "--- spec/big_spec.rb (part 2/2) (ci7, ci7_1)\npart 2 says\n");
  EXPECT_EQ(d["failures"][0]["parts"], json::array());
}

TEST(HtmlReportTest, SplitFilesCountedInTheSummary) {
  std::string page = html_report(split_run());
  EXPECT_NE(page.find("<b>1 (2 parts)</b><span>split files</span>"), std::string::npos);
  EXPECT_EQ(html_report(sample_run()).find("split files"), std::string::npos);
}

TEST(HtmlReportTest, DriftWarningsNearTheSummary) {
  std::string page = html_report(split_run());
  std::size_t drift = page.find(
      "<ul id=\"drift\" class=\"banner\"><li>spec/big_spec.rb ran 2 "
      "examples on devbox, ci7 &lt;b&gt;, 3 in the last run: ");
  ASSERT_NE(drift, std::string::npos) << page.substr(0, 3000);
  EXPECT_LT(page.find("id=\"summary\""), drift);
  EXPECT_LT(drift, page.find("<h2>Timeline</h2>"));
  EXPECT_EQ(html_report(sample_run()).find("id=\"drift\""), std::string::npos);
}

}  // namespace
}  // namespace dt

// `citadel pii scan` end to end: one JSON object per input line with code-
// point spans, a per-type summary over a JSONL dataset's messages, custom
// patterns, and a clear failure on bad input. Values are never printed.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "test_support.h"

namespace citadel {
namespace {

namespace fs = std::filesystem;
using testing::RunResult;

class PiiScanCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("citadel_pii_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  RunResult Scan(const std::string& args) { return testing::RunCitadel("pii scan " + args, dir_); }

  fs::path dir_;
};

std::vector<nlohmann::json> JsonLines(const std::string& out) {
  std::vector<nlohmann::json> lines;
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line)) lines.push_back(nlohmann::json::parse(line));
  return lines;
}

TEST_F(PiiScanCommandTest, JsonGivesOneObjectPerLineWithCodePointSpans) {
  const fs::path file = dir_ / "in.txt";
  std::ofstream(file)
      << "手机 +86 138 1234 5678，邮箱 li@qq.com\n没有个人信息\n卡号4111111111111111\n";
  RunResult r = Scan("--json --file '" + file.string() + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto lines = JsonLines(r.out);
  ASSERT_EQ(lines.size(), 3u) << r.out;
  EXPECT_EQ(lines[0]["spans"], nlohmann::json::parse(
                                   R"([{"start":3,"end":20,"type":"cn_mobile"},
                                       {"start":24,"end":33,"type":"email"}])"));
  EXPECT_EQ(lines[1]["spans"], nlohmann::json::array());
  EXPECT_EQ(lines[2]["spans"][0]["type"], "bank_card");
  EXPECT_EQ(r.out.find("4111111111111111"), std::string::npos) << "a value was printed";
}

TEST_F(PiiScanCommandTest, DatasetSummaryCountsTypesInMessages) {
  const fs::path file = dir_ / "train.jsonl";
  std::ofstream(file)
      << R"({"messages":[{"role":"user","content":"我的身份证是11010519491231002X"},)"
      << R"({"role":"assistant","content":"好的，已登记。"}]})"
      << "\n"
      << R"({"messages":[{"role":"user","content":[{"type":"text","text":"ip 10.0.0.8"}]}]})"
      << "\n"
      << R"({"messages":[{"role":"user","content":"版本 v1.2.3.4 订单 202311051234567890"}]})"
      << "\n";
  RunResult r = Scan("--json --file '" + file.string() + "' --field messages");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json summary = nlohmann::json::parse(r.out);
  EXPECT_EQ(summary["records"], 3);
  EXPECT_EQ(summary["records_with_pii"], 2);
  EXPECT_EQ(summary["types"]["cn_id"], 1);
  EXPECT_EQ(summary["types"]["ipv4"], 1);
  EXPECT_EQ(summary["types"]["cn_mobile"], 0);
}

TEST_F(PiiScanCommandTest, CustomPatternsAndBadInput) {
  RunResult r = Scan("--json --custom 'ticket=TK-[0-9]{4}' 'see TK-1234 now'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(JsonLines(r.out).at(0)["spans"][0]["type"], "ticket");
  RunResult bad = Scan("--custom 'ticket=(' 'x'");
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.err.find("regex"), std::string::npos) << bad.err;
  const fs::path file = dir_ / "bad.jsonl";
  std::ofstream(file) << "{\"messages\": [\n";
  RunResult broken = Scan("--file '" + file.string() + "' --field messages");
  EXPECT_NE(broken.exit_code, 0);
  EXPECT_NE(broken.err.find(":1:"), std::string::npos) << broken.err;
  EXPECT_NE(Scan("").exit_code, 0);
}

}  // namespace
}  // namespace citadel

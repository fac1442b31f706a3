// The content policy's prompt check and its counts: DLP mask/block, lexicon
// block/mask, profiles, reload keeping the old lexicon on a bad file.
#include "security/policy_enforcer.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace citadel::security {
namespace {

namespace fs = std::filesystem;

class PolicyEnforcerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    words_ = fs::temp_directory_path() / ("citadel_words_" + std::to_string(::getpid()) + ".txt");
    std::ofstream(words_) << "违禁词\nbadword\n";
  }
  void TearDown() override { fs::remove(words_); }
  std::unique_ptr<PolicyEnforcer> Make(DlpMode dlp, InputAction input, WordAction output) {
    PolicyConfig config;
    config.dlp = dlp;
    config.input = input;
    config.output = output;
    config.words_file = words_.string();
    auto policy = PolicyEnforcer::Create(config);
    EXPECT_TRUE(policy.ok()) << policy.status().ToString();
    return std::move(*policy);
  }
  fs::path words_;
};

TEST_F(PolicyEnforcerTest, DlpMasksOrBlocksNamingTypesOnly) {
  auto mask = Make(DlpMode::kMask, InputAction::kOff, WordAction::kOff);
  std::string a = "手机13812345678";
  std::string b = "no data";
  EXPECT_FALSE(mask->CheckPrompt({&a, &b}).has_value());
  EXPECT_EQ(a, "手机138****5678");
  EXPECT_EQ(b, "no data");
  EXPECT_EQ(mask->hits(HitKind::kPii, HitAction::kMask), 1);
  auto block = Make(DlpMode::kBlock, InputAction::kOff, WordAction::kOff);
  std::string c = "id 11010519491231002X";
  auto refusal = block->CheckPrompt({&c});
  ASSERT_TRUE(refusal.has_value());
  EXPECT_EQ(refusal->code, "pii_blocked");
  EXPECT_NE(refusal->message.find("cn_id"), std::string::npos);
  EXPECT_EQ(refusal->message.find("11010519491231002X"), std::string::npos);
  EXPECT_EQ(c, "id 11010519491231002X") << "a refused prompt is left as it was";
}

TEST_F(PolicyEnforcerTest, LexiconOnInputBlocksOrMasks) {
  auto block = Make(DlpMode::kOff, InputAction::kBlock, WordAction::kOff);
  std::string text = "这是违 禁 词";
  auto refusal = block->CheckPrompt({&text});
  ASSERT_TRUE(refusal.has_value());
  EXPECT_EQ(refusal->code, "content_policy_violation");
  EXPECT_EQ(refusal->message.find("违"), std::string::npos);
  auto mask = Make(DlpMode::kOff, InputAction::kMask, WordAction::kOff);
  EXPECT_FALSE(mask->CheckPrompt({&text}).has_value());
  EXPECT_EQ(text, "这是*****");
  EXPECT_EQ(mask->hits(HitKind::kInputWord, HitAction::kMask), 1);
}

TEST_F(PolicyEnforcerTest, OutputFilterOnlyWhenOnAndReloadKeepsOldOnError) {
  EXPECT_EQ(Make(DlpMode::kOff, InputAction::kOff, WordAction::kOff)->NewOutputFilter(), nullptr);
  auto policy = Make(DlpMode::kOff, InputAction::kOff, WordAction::kMask);
  auto filter = policy->NewOutputFilter();
  ASSERT_NE(filter, nullptr);
  std::string out = filter->Push("badword").text;
  out += filter->Finish().text;
  EXPECT_EQ(out, "*******");
  std::ofstream(words_) << "ok\n\xFF\n";
  EXPECT_FALSE(policy->ReloadWords().ok());
  EXPECT_EQ(policy->term_count(), 2u);
  std::ofstream(words_) << "one\ntwo\nthree\n";
  EXPECT_TRUE(policy->ReloadWords().ok());
  EXPECT_EQ(policy->term_count(), 3u);
}

TEST(PolicySettingsTest, ModesAndProfiles) {
  EXPECT_EQ(*ParseDlpMode("block"), DlpMode::kBlock);
  EXPECT_FALSE(ParseDlpMode("stop").ok());
  EXPECT_EQ(*ParseInputAction("mask"), InputAction::kMask);
  EXPECT_EQ(*ParseOutputAction("stop"), WordAction::kStop);
  EXPECT_EQ(ProfileDefaultsOf("internal")->input, "off");
  EXPECT_EQ(ProfileDefaultsOf("public")->output, "mask");
  EXPECT_FALSE(ProfileDefaultsOf("open").ok());
  PolicyConfig config;
  config.words_file = "/nonexistent/words.txt";
  EXPECT_EQ(PolicyEnforcer::Create(config).status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace citadel::security

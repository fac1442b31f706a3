#include "engine/sampler.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <vector>

namespace citadel::engine {
namespace {

SamplingParams Greedy() {
  SamplingParams p;
  p.temperature = 0.0f;
  return p;
}

TEST(SamplerTest, GreedyPicksTheLargestLogitAndReportsItsLogprob) {
  Sampler sampler(Greedy(), 4);
  const std::vector<float> logits = {0.1f, 2.0f, -1.0f, 1.9f};
  const SampledToken t = sampler.Sample(logits);
  EXPECT_EQ(t.token, 1);
  double z = 0;
  for (float l : logits) z += std::exp(l);
  EXPECT_NEAR(t.logprob, 2.0 - std::log(z), 1e-5);
}

TEST(SamplerTest, TopLogprobsAreSortedMostLikelyFirst) {
  SamplingParams p = Greedy();
  p.top_logprobs = 3;
  Sampler sampler(p, 5);
  const SampledToken t = sampler.Sample(std::vector<float>{0.0f, 3.0f, 1.0f, 2.0f, -5.0f});
  ASSERT_EQ(t.top.size(), 3u);
  EXPECT_EQ(t.top[0].token, 1);
  EXPECT_EQ(t.top[1].token, 3);
  EXPECT_EQ(t.top[2].token, 2);
  EXPECT_GT(t.top[0].logprob, t.top[1].logprob);
  EXPECT_FLOAT_EQ(t.top[0].logprob, t.logprob);
}

TEST(SamplerTest, LogitBiasCanForceOrBanTokens) {
  SamplingParams p = Greedy();
  p.logit_bias = {{0, 100.0f}, {1, -100.0f}};
  Sampler sampler(p, 3);
  EXPECT_EQ(sampler.Sample(std::vector<float>{0.0f, 5.0f, 1.0f}).token, 0);
}

TEST(SamplerTest, RepetitionPenaltyAppliesOnlyInsideTheWindow) {
  SamplingParams p = Greedy();
  p.repetition_penalty = 4.0f;
  p.penalty_window = 1;
  Sampler sampler(p, 3);
  const std::vector<float> logits = {2.0f, 1.0f, 0.0f};
  sampler.Accept(0);
  EXPECT_EQ(sampler.Sample(logits).token, 1);  // 2 / 4 < 1
  sampler.Accept(2);                           // pushes token 0 out of the window
  EXPECT_EQ(sampler.Sample(logits).token, 0);
}

TEST(SamplerTest, PresenceAndFrequencyPenaltiesSubtract) {
  SamplingParams p = Greedy();
  p.frequency_penalty = 0.6f;
  Sampler sampler(p, 2);
  sampler.Accept(0);
  const std::vector<float> logits = {1.0f, 0.0f};
  EXPECT_EQ(sampler.Sample(logits).token, 0);  // 1 - 0.6 > 0
  sampler.Accept(0);
  EXPECT_EQ(sampler.Sample(logits).token, 1);  // 1 - 1.2 < 0
  SamplingParams q = Greedy();
  q.presence_penalty = 1.5f;
  Sampler presence(q, 2);
  presence.Accept(0);
  EXPECT_EQ(presence.Sample(logits).token, 1);
}

TEST(SamplerTest, SameSeedSameTokensDifferentSeedDiffers) {
  SamplingParams p;
  p.temperature = 1.0f;
  p.seed = 42;
  std::vector<float> logits(50, 0.0f);
  Sampler a(p, 50), b(p, 50);
  p.seed = 43;
  Sampler c(p, 50);
  int differences = 0;
  for (int i = 0; i < 20; ++i) {
    const int ta = a.Sample(logits).token;
    EXPECT_EQ(ta, b.Sample(logits).token);
    differences += ta != c.Sample(logits).token;
  }
  EXPECT_GT(differences, 0);
}

TEST(SamplerTest, TopKOneIsGreedyAndTopPKeepsTheNucleus) {
  SamplingParams p;
  p.temperature = 5.0f;
  p.top_k = 1;
  Sampler top_k(p, 4);
  const std::vector<float> logits = {0.0f, 1.0f, 3.0f, 2.0f};
  for (int i = 0; i < 10; ++i) EXPECT_EQ(top_k.Sample(logits).token, 2);
  p.top_k = 0;
  p.top_p = 0.5f;  // token 2 alone holds ~64%
  Sampler top_p(p, 4);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(top_p.Sample(logits).token, 2);
}

TEST(SamplerTest, MinPDropsUnlikelyTokens) {
  SamplingParams p;
  p.temperature = 1.0f;
  p.min_p = 0.5f;
  Sampler sampler(p, 3);
  const std::vector<float> logits = {0.0f, 0.1f, -10.0f};  // token 2 is far below half of the max
  std::map<int, int> seen;
  for (int i = 0; i < 200; ++i) ++seen[sampler.Sample(logits).token];
  EXPECT_EQ(seen.count(2), 0u);
  EXPECT_GT(seen[0], 0);
  EXPECT_GT(seen[1], 0);
}

TEST(SamplerTest, TemperatureFollowsTheDistribution) {
  SamplingParams p;
  p.temperature = 1.0f;
  p.seed = 7;
  Sampler sampler(p, 2);
  const std::vector<float> logits = {0.0f, std::log(3.0f)};  // 25% / 75%
  int ones = 0;
  for (int i = 0; i < 4000; ++i) ones += sampler.Sample(logits).token;
  EXPECT_NEAR(ones / 4000.0, 0.75, 0.03);
}

TEST(SamplerTest, ValidationNamesTheField) {
  SamplingParams p;
  p.top_p = 0.0f;
  EXPECT_NE(ValidateSamplingParams(p, 10).message().find("top_p"), std::string::npos);
  p = {};
  p.logit_bias = {{10, 1.0f}};
  EXPECT_NE(ValidateSamplingParams(p, 10).message().find("logit_bias"), std::string::npos);
  p = {};
  p.top_logprobs = 21;
  EXPECT_FALSE(ValidateSamplingParams(p, 10).ok());
  EXPECT_TRUE(ValidateSamplingParams({}, 10).ok());
}

}  // namespace
}  // namespace citadel::engine

// The engine on the real tiny models in ../shared/models: greedy outputs of
// many concurrent requests equal the reference engine's (golden.json), and
// equal each request run alone, after preemption, and on a prefix-cache hit.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "gguf/gguf_file.h"
#include "test_support.h"
#include "unit/engine/engine_model_checks.h"

namespace citadel::engine {
namespace {

struct LoadedModel {
  std::unique_ptr<model::Model> model;
  std::unique_ptr<tokenizer::Tokenizer> tok;
};

LoadedModel Load(const std::string& name) {
  LoadedModel loaded;
  model::LoadOptions options;
  options.threads = 2;
  options.max_batch_tokens = 64;
  options.context_length = 256;
  options.kv_block_size = 16;
  options.kv_blocks = 320;
  auto m = model::Model::Load((citadel::testing::SharedDir() / "models" / name).string(), options);
  EXPECT_TRUE(m.ok()) << m.status().ToString();
  if (!m.ok()) return loaded;
  auto tok = tokenizer::Tokenizer::FromGguf((*m)->file());
  EXPECT_TRUE(tok.ok()) << tok.status().ToString();
  if (!tok.ok()) return loaded;
  loaded.model = std::move(m).value();
  loaded.tok = std::move(tok).value();
  return loaded;
}

nlohmann::json Golden() {
  std::ifstream in(citadel::testing::SharedDir() / "models" / "golden.json");
  return nlohmann::json::parse(in);
}

class EngineBatchingTest : public ::testing::TestWithParam<std::string> {};

TEST_P(EngineBatchingTest, ConcurrentRequestsReproduceTheReferenceGreedyOutput) {
  CITADEL_REQUIRE_SHARED();
  LoadedModel loaded = Load(GetParam());
  ASSERT_TRUE(loaded.model);
  const nlohmann::json cases = Golden().at(GetParam());
  // Each golden prompt four times, interleaved: 16 requests in flight at once.
  std::vector<testing::Job> jobs;
  std::vector<std::vector<std::int32_t>> expected;
  for (int copy = 0; copy < 4; ++copy) {
    for (const auto& c : cases) {
      std::vector<std::int32_t> prompt =
          loaded.tok->Encode(c.at("prompt").get<std::string>(), true, false);
      jobs.push_back({prompt, static_cast<int>(c.at("tokens").size())});
      expected.push_back(c.at("tokens").get<std::vector<std::int32_t>>());
    }
  }
  ModelForwardPass forward(*loaded.model);
  EngineOptions options;
  options.max_batch_tokens = 64;
  auto engine = testing::StartEngine(*loaded.model, *loaded.tok, forward, options);
  std::vector<std::shared_ptr<TokenStream>> streams;
  for (const testing::Job& job : jobs) {
    StopConditions stop;
    stop.max_tokens = job.max_tokens;
    auto stream = engine->Submit(job.prompt, testing::GreedyParams(), stop);
    ASSERT_TRUE(stream.ok()) << stream.status().ToString();
    streams.push_back(*stream);
  }
  for (size_t i = 0; i < streams.size(); ++i) {
    EXPECT_EQ(testing::Drain(*streams[i]).tokens, expected[i])
        << GetParam() << ": " << cases[i % cases.size()].at("prompt");
  }
}

TEST_P(EngineBatchingTest, GreedyOutputIndependentOfBatchingPreemptionAndPrefixCache) {
  CITADEL_REQUIRE_SHARED();
  LoadedModel loaded = Load(GetParam());
  ASSERT_TRUE(loaded.model);
  const std::vector<std::int32_t> text = loaded.tok->Encode(
      "Once upon a time, there was a little girl named Lily. She loved to play outside in the "
      "park with her friends. One day, she saw a big red ball under a tree and ran to get it.",
      false, false);
  testing::CheckBatchingInvariance(*loaded.model, *loaded.tok,
                                   testing::MixedJobs(text, 16, 40, 24));
  std::vector<std::int32_t> system = loaded.tok->Encode(
      "You are a storyteller. Tell short, happy stories for small children about animals, "
      "friends and sunny days in the park. Keep every sentence simple.",
      true, false);
  testing::CheckPrefixHitMatchesMiss(*loaded.model, *loaded.tok, system,
                                     loaded.tok->Encode(" The dog", false, false),
                                     loaded.tok->Encode(" A little bird", false, false));
}

INSTANTIATE_TEST_SUITE_P(SharedModels, EngineBatchingTest,
                         ::testing::Values("stories260K.gguf", "llama-2-tiny-random.gguf"),
                         [](const auto& info) {
                           std::string name = info.param;
                           return name.substr(0, name.find('.')) == "stories260K"
                                      ? std::string("Stories260K")
                                      : std::string("Llama2TinyRandom");
                         });

}  // namespace
}  // namespace citadel::engine

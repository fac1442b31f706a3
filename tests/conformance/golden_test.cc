// Greedy continuations of the real models in ../shared/models equal the
// reference engine's (golden.json), token for token.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <numeric>
#include <vector>

#include "model/model.h"
#include "test_support.h"
#include "tokenizer/tokenizer.h"

namespace citadel {
namespace {

// Prompt in one batch, then one token per step, greedy, stopping at
// end-of-generation like the reference server.
std::vector<std::int32_t> Continue(model::Model& m, const tokenizer::Tokenizer& tok,
                                   const std::vector<std::int32_t>& prompt, int count) {
  std::vector<std::int32_t> table(static_cast<std::size_t>(m.kv_memory().shape().num_blocks));
  std::iota(table.begin(), table.end(), 0);
  std::vector<float> logits(static_cast<std::size_t>(m.config().vocab_size));
  model::Batch batch;
  const int seq = batch.AddSequence(table);
  for (std::size_t i = 0; i < prompt.size(); ++i) {
    batch.AddToken(prompt[i], static_cast<int>(i), seq, i + 1 == prompt.size());
  }
  std::vector<std::int32_t> out;
  int position = static_cast<int>(prompt.size());
  while (static_cast<int>(out.size()) < count) {
    EXPECT_TRUE(m.Forward(batch, logits).ok());
    const auto token =
        static_cast<std::int32_t>(std::max_element(logits.begin(), logits.end()) - logits.begin());
    if (tok.IsEndOfGeneration(token)) break;
    out.push_back(token);
    batch.Clear();
    batch.AddSequence(table);
    batch.AddToken(token, position++, seq, true);
  }
  return out;
}

TEST(GoldenTest, GreedyContinuationsMatchTheReference) {
  CITADEL_REQUIRE_SHARED();
  const auto dir = testing::SharedDir() / "models";
  std::ifstream in(dir / "golden.json");
  const nlohmann::json golden = nlohmann::json::parse(in);
  ASSERT_FALSE(golden.empty());
  for (const auto& [file, cases] : golden.items()) {
    model::LoadOptions options;
    options.threads = 2;
    options.context_length = 256;
    auto m = model::Model::Load((dir / file).string(), options);
    ASSERT_TRUE(m.ok()) << m.status().ToString();
    auto tok = tokenizer::Tokenizer::FromGguf((*m)->file());
    ASSERT_TRUE(tok.ok()) << tok.status().ToString();
    for (const auto& c : cases) {
      const auto expected = c["tokens"].get<std::vector<std::int32_t>>();
      const auto prompt = (*tok)->Encode(c["prompt"].get<std::string>(), true, false);
      const auto got = Continue(**m, **tok, prompt, static_cast<int>(expected.size()));
      EXPECT_EQ(got, expected) << file << ": " << c["prompt"];
      // The continuation's text keeps its leading space (no SentencePiece strip).
      std::string text;
      for (std::int32_t id : got) text += (*tok)->TokenPiece(id);
      EXPECT_EQ(text, c["text"].get<std::string>()) << file << ": " << c["prompt"];
    }
  }
}

}  // namespace
}  // namespace citadel

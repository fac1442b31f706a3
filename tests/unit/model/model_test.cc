// Forward pass behaviour on small seeded synthetic models made in the test.
#include "model/model.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "gguf/gguf_file.h"
#include "model/synthetic_model.h"

namespace citadel::model {
namespace {

// A synthetic model serialized in memory; the bytes outlive the model.
struct TestModel {
  std::vector<std::uint8_t> bytes;
  std::unique_ptr<Model> model;
};

SyntheticSpec SmallSpec(const std::string& arch) {
  SyntheticSpec spec;
  spec.architecture = arch;
  spec.vocab_size = 300;
  spec.embedding_length = 64;
  spec.num_layers = 2;
  spec.num_heads = 4;
  spec.num_kv_heads = 2;
  spec.feed_forward_length = 96;
  spec.seed = 5;
  return spec;
}

TestModel Make(const SyntheticSpec& spec, LoadOptions options = {}) {
  TestModel t;
  auto writer = BuildSyntheticModel(spec, nullptr, nullptr);
  EXPECT_TRUE(writer.ok()) << writer.status().ToString();
  auto bytes = writer->Serialize();
  EXPECT_TRUE(bytes.ok());
  t.bytes = std::move(*bytes);
  auto file = gguf::GgufFile::Parse(t.bytes, "synthetic");
  EXPECT_TRUE(file.ok()) << file.status().ToString();
  if (options.threads == 0) options.threads = 2;
  if (options.context_length == 0) options.context_length = 64;
  auto model = Model::FromFile(std::move(*file), options);
  EXPECT_TRUE(model.ok()) << model.status().ToString();
  if (model.ok()) t.model = std::move(*model);
  return t;
}

std::vector<std::int32_t> Tokens(int count, int salt) {
  std::vector<std::int32_t> tokens;
  for (int i = 0; i < count; ++i) tokens.push_back(3 + (i * 37 + salt * 101) % 290);
  return tokens;
}

std::vector<std::int32_t> Table(int first, int count) {
  std::vector<std::int32_t> table(static_cast<std::size_t>(count));
  std::iota(table.begin(), table.end(), first);
  return table;
}

// Logits of every token of `tokens`, fed in one batch as one sequence.
std::vector<float> RunAlone(Model& m, const std::vector<std::int32_t>& tokens,
                            const std::vector<std::int32_t>& table) {
  Batch batch;
  const int seq = batch.AddSequence(table);
  for (std::size_t i = 0; i < tokens.size(); ++i)
    batch.AddToken(tokens[i], static_cast<int>(i), seq, true);
  std::vector<float> logits(tokens.size() * static_cast<std::size_t>(m.config().vocab_size));
  EXPECT_TRUE(m.Forward(batch, logits).ok());
  return logits;
}

TEST(ModelConfigTest, ReadsEachArchitectureFamily) {
  for (const std::string arch : {"llama", "qwen2", "qwen3"}) {
    TestModel t = Make(SmallSpec(arch));
    ASSERT_NE(t.model, nullptr);
    const ModelConfig& c = t.model->config();
    EXPECT_EQ(c.architecture_name, arch);
    EXPECT_EQ(c.vocab_size, 300);
    EXPECT_EQ(c.head_dim, 16);
    EXPECT_EQ(c.num_kv_heads, 2);
    EXPECT_EQ(c.rope_neox, arch != "llama");
    EXPECT_EQ(c.qkv_bias, arch == "qwen2");
    EXPECT_EQ(c.qk_norm, arch == "qwen3");
  }
}

TEST(ModelConfigTest, UnsupportedArchitectureIsAClearError) {
  SyntheticSpec spec = SmallSpec("llama");
  auto writer = BuildSyntheticModel(spec, nullptr, nullptr);
  ASSERT_TRUE(writer.ok());
  writer->SetString("general.architecture", "mamba");
  auto bytes = writer->Serialize();
  ASSERT_TRUE(bytes.ok());
  auto file = gguf::GgufFile::Parse(*bytes, "m.gguf");
  ASSERT_TRUE(file.ok());
  auto model = Model::FromFile(std::move(*file), {});
  ASSERT_FALSE(model.ok());
  EXPECT_NE(model.status().message().find("unsupported model architecture 'mamba'"),
            std::string::npos)
      << model.status().message();
}

TEST(ModelConfigTest, TiedEmbeddingsReuseTokenEmbedding) {
  SyntheticSpec spec = SmallSpec("qwen2");
  spec.tied_embeddings = true;
  TestModel t = Make(spec);
  ASSERT_NE(t.model, nullptr);
  EXPECT_TRUE(t.model->config().tied_embeddings);
  const auto logits = RunAlone(*t.model, Tokens(3, 1), Table(0, 4));
  for (float v : logits) ASSERT_TRUE(std::isfinite(v));
}

// Habit 15: a ragged batch of three sequences gives each the logits it gets alone.
TEST(ModelForwardTest, RaggedBatchEqualsEachSequenceAlone) {
  for (const std::string arch : {"llama", "qwen2", "qwen3"}) {
    TestModel t = Make(SmallSpec(arch));
    ASSERT_NE(t.model, nullptr);
    Model& m = *t.model;
    const int vocab = m.config().vocab_size;
    const std::vector<std::vector<std::int32_t>> seqs = {Tokens(5, 1), Tokens(9, 2), Tokens(2, 3)};
    // Each sequence alone (blocks 0..3), then all three in one batch in
    // disjoint blocks given in shuffled order, tokens interleaved.
    std::vector<std::vector<float>> alone;
    for (const auto& s : seqs) alone.push_back(RunAlone(m, s, Table(0, 4)));
    Batch batch;
    const std::vector<std::vector<std::int32_t>> tables = {
        {3, 1}, {0, 2}, {1}};  // seq 2 has 2 tokens
    for (const auto& table : tables) batch.AddSequence(table);
    std::vector<std::pair<int, int>> order;  // (sequence, position)
    for (int p = 0; p < 9; ++p) {
      for (int s = 2; s >= 0; --s) {
        if (p < static_cast<int>(seqs[s].size())) order.push_back({s, p});
      }
    }
    for (auto [s, p] : order) batch.AddToken(seqs[s][p], p, s, true);
    std::vector<float> logits(order.size() * static_cast<std::size_t>(vocab));
    ASSERT_TRUE(m.Forward(batch, logits).ok());
    for (std::size_t i = 0; i < order.size(); ++i) {
      auto [s, p] = order[i];
      for (int v = 0; v < vocab; ++v) {
        ASSERT_NEAR(logits[i * vocab + v], alone[s][static_cast<std::size_t>(p) * vocab + v], 1e-4f)
            << arch << " sequence " << s << " position " << p;
      }
    }
  }
}

TEST(ModelForwardTest, IncrementalDecodeEqualsOnePrefill) {
  TestModel t = Make(SmallSpec("llama"));
  Model& m = *t.model;
  const int vocab = m.config().vocab_size;
  const auto tokens = Tokens(20, 4);
  const auto table = Table(0, 4);
  const auto all = RunAlone(m, tokens, table);
  Batch batch;
  std::vector<float> logits(static_cast<std::size_t>(vocab));
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    batch.Clear();
    const int seq = batch.AddSequence(table);
    batch.AddToken(tokens[i], static_cast<int>(i), seq, true);
    ASSERT_TRUE(m.Forward(batch, logits).ok());
    for (int v = 0; v < vocab; ++v) ASSERT_NEAR(logits[v], all[i * vocab + v], 1e-4f) << i;
  }
}

TEST(ModelForwardTest, ChunkedBatchEqualsOneChunk) {
  LoadOptions small;
  small.max_batch_tokens = 3;
  TestModel chunked = Make(SmallSpec("qwen3"), small);
  TestModel whole = Make(SmallSpec("qwen3"));
  const auto tokens = Tokens(11, 6);
  const auto a = RunAlone(*chunked.model, tokens, Table(0, 4));
  const auto b = RunAlone(*whole.model, tokens, Table(0, 4));
  for (std::size_t i = 0; i < a.size(); ++i) ASSERT_NEAR(a[i], b[i], 1e-4f);
}

TEST(ModelForwardTest, RejectsBadBatches) {
  TestModel t = Make(SmallSpec("llama"));
  Model& m = *t.model;
  const auto table = Table(0, 2);
  std::vector<float> logits(300);
  auto one = [&](std::int32_t token, std::int32_t position) {
    Batch b;
    b.AddSequence(table);
    b.AddToken(token, position, 0, true);
    return m.Forward(b, logits);
  };
  EXPECT_EQ(one(5, -1).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(one(5, 64).code(), StatusCode::kInvalidArgument);  // past the context
  EXPECT_EQ(one(5, 40).code(), StatusCode::kInvalidArgument);  // block table too short
  Batch wrong_size;
  wrong_size.AddSequence(table);
  wrong_size.AddToken(5, 0, 0, true);
  std::vector<float> small(10);
  EXPECT_EQ(m.Forward(wrong_size, small).code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(one(5, 0).ok());
}

}  // namespace
}  // namespace citadel::model

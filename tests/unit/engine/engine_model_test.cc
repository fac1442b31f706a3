// The engine over a small seeded synthetic model built in the test.
#include <gtest/gtest.h>

#include "engine_model_checks.h"
#include "gguf/gguf_file.h"
#include "model/synthetic_model.h"

namespace citadel::engine {
namespace {

class EngineModelTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    model::SyntheticSpec spec;
    spec.vocab_size = 512;
    spec.embedding_length = 64;
    spec.num_layers = 2;
    spec.num_heads = 4;
    spec.num_kv_heads = 2;
    spec.feed_forward_length = 128;
    spec.context_length = 512;
    spec.seed = 11;
    auto writer = model::BuildSyntheticModel(spec, nullptr, nullptr);
    ASSERT_TRUE(writer.ok()) << writer.status().ToString();
    auto bytes = writer->Serialize();
    ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
    bytes_ = new std::vector<std::uint8_t>(std::move(bytes).value());
    auto file = gguf::GgufFile::Parse(*bytes_, "synthetic");
    ASSERT_TRUE(file.ok()) << file.status().ToString();
    auto tok = tokenizer::Tokenizer::FromGguf(*file);
    ASSERT_TRUE(tok.ok()) << tok.status().ToString();
    tok_ = std::move(tok).value().release();
    model::LoadOptions load;
    load.threads = 2;
    load.max_batch_tokens = 64;
    load.context_length = 256;
    load.kv_block_size = 16;
    load.kv_blocks = 256;
    auto loaded = model::Model::FromFile(std::move(file).value(), load);
    ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
    model_ = std::move(loaded).value().release();
  }
  static void TearDownTestSuite() {
    delete model_;
    delete tok_;
    delete bytes_;
  }
  void SetUp() override {
    if (model_ == nullptr) GTEST_SKIP() << "model setup failed";
  }

  static std::vector<std::int32_t> Pool() {
    std::vector<std::int32_t> pool;
    for (int i = 0; i < 200; ++i) pool.push_back(259 + (i * 31) % 253);
    return pool;
  }

  static inline std::vector<std::uint8_t>* bytes_ = nullptr;
  static inline tokenizer::Tokenizer* tok_ = nullptr;
  static inline model::Model* model_ = nullptr;
};

TEST_F(EngineModelTest, GreedyOutputIndependentOfBatchingAndPreemption) {
  testing::CheckBatchingInvariance(*model_, *tok_, testing::MixedJobs(Pool(), 16, 90, 24));
}

TEST_F(EngineModelTest, SeededSamplingIsIndependentOfBatching) {
  std::vector<testing::Job> jobs = testing::MixedJobs(Pool(), 8, 60, 20);
  for (size_t i = 0; i < jobs.size(); ++i) {
    jobs[i].temperature = 1.0f;
    jobs[i].seed = 1000 + i;
  }
  const auto alone = testing::RunOneByOne(*model_, *tok_, jobs);
  EngineOptions options;
  options.max_batch_tokens = 32;
  EngineMetrics metrics;
  testing::ExpectSameTokens(
      alone, testing::RunConcurrently(*model_, *tok_, jobs, options, 0, &metrics), "sampled");
  // Different seeds give different continuations (the sampler really samples).
  EXPECT_NE(testing::RunOneByOne(*model_, *tok_, {jobs[0]})[0].tokens,
            testing::RunOneByOne(*model_, *tok_, {[&] {
              testing::Job other = jobs[0];
              other.seed = 7;
              return other;
            }()})[0]
                .tokens);
}

TEST_F(EngineModelTest, PrefixCacheHitMatchesMiss) {
  std::vector<std::int32_t> pool = Pool();
  std::vector<std::int32_t> system(pool.begin(), pool.begin() + 70);
  testing::CheckPrefixHitMatchesMiss(*model_, *tok_, system, {300, 301, 302}, {400, 401, 402, 403});
}

}  // namespace
}  // namespace citadel::engine

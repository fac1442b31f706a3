// The engine over a synthetic model with a Q8_0 KV cache (--kv-cache-type
// q8_0): greedy output is the same alone, batched, after preemption and on a
// prefix-cache hit, as with the F16 cache (habit 15).
#include <gtest/gtest.h>

#include "engine_model_checks.h"
#include "gguf/gguf_file.h"
#include "model/synthetic_model.h"

namespace citadel::engine {
namespace {

class EngineQ8_0KvTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    model::SyntheticSpec spec;
    spec.vocab_size = 512;
    spec.embedding_length = 128;
    spec.num_layers = 2;
    spec.num_heads = 4;
    spec.num_kv_heads = 2;
    spec.head_dim = 32;  // one Q8_0 block per KV head row
    spec.feed_forward_length = 192;
    spec.context_length = 512;
    spec.seed = 13;
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
    load.kv_cache_type = kernels::KvCacheType::kQ8_0;
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

TEST_F(EngineQ8_0KvTest, TheModelReallyHasAQ8_0Cache) {
  EXPECT_EQ(model_->kv_memory().shape().type, kernels::KvCacheType::kQ8_0);
}

TEST_F(EngineQ8_0KvTest, GreedyOutputIndependentOfBatchingAndPreemption) {
  testing::CheckBatchingInvariance(*model_, *tok_, testing::MixedJobs(Pool(), 16, 90, 24));
}

TEST_F(EngineQ8_0KvTest, PrefixCacheHitMatchesMiss) {
  std::vector<std::int32_t> pool = Pool();
  std::vector<std::int32_t> system(pool.begin(), pool.begin() + 70);
  testing::CheckPrefixHitMatchesMiss(*model_, *tok_, system, {300, 301, 302}, {400, 401, 402, 403});
}

}  // namespace
}  // namespace citadel::engine

// --kv-cache-type in the engine's sizing: a Q8_0 cache gets about twice the
// blocks of an F16 one from the same --kv-cache-memory, and a model whose
// head_dim Q8_0 cannot hold is refused at engine start.
#include <gtest/gtest.h>

#include "engine/engine_options.h"

namespace citadel::engine {
namespace {

model::ModelConfig Config(int head_dim) {
  model::ModelConfig config;
  config.num_layers = 4;
  config.num_kv_heads = 2;
  config.head_dim = head_dim;
  config.context_length = 8192;
  return config;
}

TEST(KvCacheTypeOptionsTest, Q8_0NearlyDoublesTheBlocksOfABudget) {
  EngineOptions options;
  options.kv_cache_memory_bytes = 64 << 20;
  auto f16 = ModelLoadOptionsFor(Config(64), options, 1);
  options.kv_cache_type = kernels::KvCacheType::kQ8_0;
  auto q8 = ModelLoadOptionsFor(Config(64), options, 1);
  ASSERT_TRUE(f16.ok()) << f16.status().ToString();
  ASSERT_TRUE(q8.ok()) << q8.status().ToString();
  EXPECT_EQ(f16->kv_cache_type, kernels::KvCacheType::kF16);
  EXPECT_EQ(q8->kv_cache_type, kernels::KvCacheType::kQ8_0);
  // Per token: 2 * 4 layers * 2 heads * 64 dims = 1024 elements: 2048 bytes
  // as F16, 1088 as Q8_0; 16-token blocks.
  EXPECT_EQ(f16->kv_blocks, (64 << 20) / (2048 * 16));
  EXPECT_EQ(q8->kv_blocks, (64 << 20) / (1088 * 16));
  EXPECT_NEAR(static_cast<double>(q8->kv_blocks) / f16->kv_blocks, 64.0 / 34.0, 0.01);
}

TEST(KvCacheTypeOptionsTest, Q8_0RefusesAHeadDimThatIsNotAMultipleOf32) {
  EngineOptions options;
  options.kv_cache_memory_bytes = 1 << 20;
  options.kv_cache_type = kernels::KvCacheType::kQ8_0;
  auto load = ModelLoadOptionsFor(Config(80), options, 1);
  ASSERT_FALSE(load.ok());
  EXPECT_EQ(load.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(load.status().message().find("--kv-cache-type q8_0 needs head_dim a multiple of 32"),
            std::string::npos)
      << load.status().message();
  options.kv_cache_type = kernels::KvCacheType::kF16;
  EXPECT_TRUE(ModelLoadOptionsFor(Config(80), options, 1).ok());
}

}  // namespace
}  // namespace citadel::engine

#include "engine/engine_options.h"

#include <gtest/gtest.h>

#include "engine/engine_metrics.h"

namespace citadel::engine {
namespace {

model::ModelConfig SmallConfig() {
  model::ModelConfig config;
  config.num_layers = 2;
  config.num_kv_heads = 2;
  config.head_dim = 16;
  config.context_length = 8192;
  return config;
}

TEST(EngineOptionsTest, ParsesKvCacheMemoryBytesUnitsAndShares) {
  EngineOptions options;
  ASSERT_TRUE(ParseKvCacheMemory("2147483648", options).ok());
  EXPECT_EQ(options.kv_cache_memory_bytes, 2147483648LL);
  ASSERT_TRUE(ParseKvCacheMemory("512MiB", options).ok());
  EXPECT_EQ(options.kv_cache_memory_bytes, 512LL << 20);
  ASSERT_TRUE(ParseKvCacheMemory("4G", options).ok());
  EXPECT_EQ(options.kv_cache_memory_bytes, 4LL << 30);
  ASSERT_TRUE(ParseKvCacheMemory("1.5GB", options).ok());
  EXPECT_EQ(options.kv_cache_memory_bytes, 1500000000LL);
  ASSERT_TRUE(ParseKvCacheMemory("40%", options).ok());
  EXPECT_DOUBLE_EQ(options.kv_cache_memory_fraction, 0.4);
  EXPECT_EQ(options.kv_cache_memory_bytes, 0);
  for (const char* bad : {"", "lots", "12 parsecs", "0%", "150%", "-5", "1e99TB"}) {
    Status status = ParseKvCacheMemory(bad, options);
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << bad;
  }
}

TEST(EngineOptionsTest, SizesTheBlockPoolFromTheMemoryBudget) {
  EngineOptions options;
  // Per token: 2 (K and V) * 2 layers * 2 heads * 16 dims * 2 bytes = 256 B;
  // a 16-token block is 4 KiB.
  options.kv_cache_memory_bytes = 1 << 20;
  auto load = ModelLoadOptionsFor(SmallConfig(), options, 2);
  ASSERT_TRUE(load.ok()) << load.status().ToString();
  EXPECT_EQ(load->kv_blocks, 256);
  EXPECT_EQ(load->kv_block_size, 16);
  EXPECT_EQ(load->context_length, 4096) << "default cap";
  options.kv_cache_memory_bytes = 4095;
  auto too_small = ModelLoadOptionsFor(SmallConfig(), options, 2);
  EXPECT_EQ(too_small.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(too_small.status().message().find("4096 bytes"), std::string::npos)
      << too_small.status().message();
}

TEST(EngineOptionsTest, RejectsOutOfRangeOptions) {
  EngineOptions options;
  EXPECT_TRUE(ValidateEngineOptions(options).ok());
  options.block_tokens = 8;
  EXPECT_EQ(ValidateEngineOptions(options).code(), StatusCode::kInvalidArgument);
  options = {};
  options.max_running = 0;
  EXPECT_EQ(ValidateEngineOptions(options).code(), StatusCode::kInvalidArgument);
  options = {};
  options.max_batch_tokens = 0;
  EXPECT_EQ(ValidateEngineOptions(options).code(), StatusCode::kInvalidArgument);
}

TEST(LatencyHistogramTest, CountsIntoBucketsAndReportsQuantileBounds) {
  LatencyHistogram h({10, 100, 1000});
  for (double v : {1.0, 5.0, 10.0, 50.0, 2000.0}) h.Observe(v);
  EXPECT_EQ(h.count(), 5);
  EXPECT_DOUBLE_EQ(h.sum_ms(), 2066.0);
  EXPECT_EQ(std::vector<std::int64_t>(h.counts().begin(), h.counts().end()),
            (std::vector<std::int64_t>{3, 1, 0, 1}));
  EXPECT_EQ(h.QuantileUpperBoundMs(0.5), 10);
  EXPECT_EQ(h.QuantileUpperBoundMs(0.8), 100);
  EXPECT_EQ(h.QuantileUpperBoundMs(0.99), 1000);
}

}  // namespace
}  // namespace citadel::engine

// The reference models in ../shared/models with --kv-cache-type q8_0.
//
// Both have heads narrower than one Q8_0 block (stories260K: head_dim 8;
// llama-2-tiny-random: head_dim 4), so a Q8_0 KV cache cannot hold them: the
// reference engine refuses such a cache too ("K cache type q8_0 with block
// size 32 does not divide n_embd_head_k=8"). Citadel must refuse them with the clear head_dim
// message at model load and at engine start, and keep serving them with the F16 cache. Greedy
// agreement of Q8_0 with F16 is measured on synthetic models with 32- and
// 64-wide heads (tests/unit/model/kv_cache_q8_0_model_test.cc).
#include <gtest/gtest.h>

#include <string>

#include "engine/engine_options.h"
#include "model/model.h"
#include "test_support.h"

namespace citadel {
namespace {

constexpr const char* kRule = "--kv-cache-type q8_0 needs head_dim a multiple of 32";

TEST(KvCacheQ8_0ConformanceTest, ReferenceModelsWithNarrowHeadsAreRefusedClearly) {
  CITADEL_REQUIRE_SHARED();
  for (const char* file : {"stories260K.gguf", "llama-2-tiny-random.gguf"}) {
    const std::string path = (testing::SharedDir() / "models" / file).string();
    model::LoadOptions options;
    options.threads = 1;
    options.context_length = 64;
    options.kv_cache_type = kernels::KvCacheType::kQ8_0;
    auto q8 = model::Model::Load(path, options);
    ASSERT_FALSE(q8.ok()) << file;
    EXPECT_EQ(q8.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(q8.status().message().find(kRule), std::string::npos) << q8.status().message();

    options.kv_cache_type = kernels::KvCacheType::kF16;
    auto f16 = model::Model::Load(path, options);
    ASSERT_TRUE(f16.ok()) << f16.status().ToString();
    EXPECT_NE((*f16)->config().head_dim % 32, 0) << file << " now has Q8_0-sized heads";

    engine::EngineOptions engine_options;
    engine_options.kv_cache_memory_bytes = 1 << 20;
    engine_options.kv_cache_type = kernels::KvCacheType::kQ8_0;
    auto load = engine::ModelLoadOptionsFor((*f16)->config(), engine_options, 1);
    ASSERT_FALSE(load.ok()) << file;
    EXPECT_NE(load.status().message().find(kRule), std::string::npos) << load.status().message();
  }
}

}  // namespace
}  // namespace citadel

#include "engine/kv_cache_manager.h"

#include <gtest/gtest.h>

#include <numeric>
#include <vector>

namespace citadel::engine {
namespace {

constexpr int kBlockTokens = 4;

std::vector<std::int32_t> Range(std::int32_t first, int count) {
  std::vector<std::int32_t> tokens(count);
  std::iota(tokens.begin(), tokens.end(), first);
  return tokens;
}

std::vector<std::int32_t> Concat(std::vector<std::int32_t> a, const std::vector<std::int32_t>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// Runs a sequence as the engine would: prefix lookup, reserve, "compute", cache.
int Admit(KvCacheManager& kv, SequenceId seq, const std::vector<std::int32_t>& tokens) {
  int cached = kv.AttachCachedPrefix(seq, tokens);
  kv.RecordPrefixLookup(static_cast<int>(tokens.size()), cached);
  EXPECT_TRUE(kv.Reserve(seq, static_cast<int>(tokens.size())));
  kv.CacheFullBlocks(seq, tokens, static_cast<int>(tokens.size()));
  return cached;
}

TEST(KvCacheManagerTest, ReserveGrowsTableByWholeBlocksAllOrNothing) {
  KvCacheManager kv(3, kBlockTokens, 1);
  EXPECT_TRUE(kv.Reserve(1, 5));
  EXPECT_EQ(kv.BlockTable(1).size(), 2u);
  EXPECT_TRUE(kv.Reserve(1, 8));
  EXPECT_EQ(kv.BlockTable(1).size(), 2u);
  EXPECT_FALSE(kv.Reserve(2, 9)) << "needs 3 blocks, only 1 left";
  EXPECT_EQ(kv.BlockTable(2).size(), 0u);
  EXPECT_EQ(kv.pool().num_available(), 1);
  EXPECT_TRUE(kv.Reserve(2, 4));
  EXPECT_EQ(kv.pool().num_available(), 0);
}

TEST(KvCacheManagerTest, FreeReturnsEveryBlock) {
  KvCacheManager kv(8, kBlockTokens, 1);
  Admit(kv, 1, Range(0, 10));
  Admit(kv, 2, Range(0, 10));  // shares two cached blocks with sequence 1
  EXPECT_EQ(kv.pool().num_used(), 4);
  kv.Free(1);
  kv.Free(2);
  EXPECT_EQ(kv.pool().num_used(), 0);
  EXPECT_EQ(kv.pool().num_available(), 8);
  EXPECT_EQ(kv.num_sequences(), 0);
}

TEST(KvCacheManagerTest, ReusesLongestCachedPrefixOfFullBlocks) {
  KvCacheManager kv(16, kBlockTokens, 1);
  std::vector<std::int32_t> system = Range(100, 8);
  EXPECT_EQ(Admit(kv, 1, Concat(system, Range(0, 3))), 0);
  // Same 8-token system prompt, different question: two blocks reused.
  const std::vector<std::int32_t> second = Concat(system, Range(50, 5));
  EXPECT_EQ(Admit(kv, 2, second), 8);
  EXPECT_EQ(kv.BlockTable(2)[0], kv.BlockTable(1)[0]);
  EXPECT_EQ(kv.BlockTable(2)[1], kv.BlockTable(1)[1]);
  EXPECT_NE(kv.BlockTable(2)[2], kv.BlockTable(1)[2]);
  EXPECT_EQ(kv.prefix_counters().queries, 2);
  EXPECT_EQ(kv.prefix_counters().hits, 1);
  EXPECT_EQ(kv.prefix_counters().hit_tokens, 8);
  EXPECT_EQ(kv.prefix_counters().query_tokens, 11 + 13);
}

TEST(KvCacheManagerTest, AlwaysLeavesOneTokenToCompute) {
  KvCacheManager kv(16, kBlockTokens, 1);
  Admit(kv, 1, Range(0, 8));
  // An identical 8-token prompt may reuse only the first block: the last
  // token must run through the model to produce logits.
  EXPECT_EQ(Admit(kv, 2, Range(0, 8)), 4);
  EXPECT_EQ(Admit(kv, 3, Range(0, 9)), 8);
}

TEST(KvCacheManagerTest, SameBlockAfterDifferentPrefixDoesNotMatch) {
  KvCacheManager kv(16, kBlockTokens, 1);
  const std::vector<std::int32_t> tail = Range(500, 4);
  Admit(kv, 1, Concat(Concat(Range(0, 4), tail), {1}));
  // Block 2 has identical contents but follows a different first block.
  EXPECT_EQ(Admit(kv, 2, Concat(Concat(Range(9, 4), tail), {1})), 0);
}

TEST(KvCacheManagerTest, UnreferencedCachedBlocksSurviveUntilEvicted) {
  KvCacheManager kv(4, kBlockTokens, 1);
  Admit(kv, 1, Range(0, 9));  // 3 blocks, 2 full and cached
  kv.Free(1);
  EXPECT_EQ(kv.pool().num_used(), 0);
  EXPECT_EQ(Admit(kv, 2, Range(0, 9)), 8) << "cached blocks lost after free";
  kv.Free(2);
  // A different prompt needing all 4 blocks evicts the cached ones.
  Admit(kv, 3, Range(1000, 16));
  kv.Free(3);
  EXPECT_EQ(Admit(kv, 4, Range(0, 9)), 0);
}

TEST(KvCacheManagerTest, CachesOnlyComputedFullBlocks) {
  KvCacheManager kv(8, kBlockTokens, 1);
  const std::vector<std::int32_t> tokens = Range(0, 12);
  kv.AttachCachedPrefix(1, tokens);
  ASSERT_TRUE(kv.Reserve(1, 12));
  kv.CacheFullBlocks(1, tokens, 7);  // only block 0 is full and computed
  EXPECT_EQ(Admit(kv, 2, tokens), 4);
  kv.CacheFullBlocks(1, tokens, 12);
  EXPECT_EQ(Admit(kv, 3, Concat(tokens, {1})), 12);
}

}  // namespace
}  // namespace citadel::engine

#include "engine/block_pool.h"

#include <gtest/gtest.h>

#include <set>
#include <vector>

namespace citadel::engine {
namespace {

std::vector<std::int32_t> Tokens(std::int32_t first, int count) {
  std::vector<std::int32_t> tokens;
  for (int i = 0; i < count; ++i) tokens.push_back(first + i);
  return tokens;
}

TEST(BlockPoolTest, AllocatesEveryBlockOnceThenReportsExhaustion) {
  BlockPool pool(4);
  std::set<BlockId> seen;
  for (int i = 0; i < 4; ++i) {
    std::optional<BlockId> block = pool.Allocate();
    ASSERT_TRUE(block.has_value());
    EXPECT_TRUE(seen.insert(*block).second) << "block handed out twice";
    EXPECT_EQ(pool.ref_count(*block), 1);
  }
  EXPECT_FALSE(pool.Allocate().has_value());
  EXPECT_EQ(pool.num_used(), 4);
  EXPECT_EQ(pool.num_available(), 0);
}

TEST(BlockPoolTest, RefCountsKeepSharedBlocksUntilLastRelease) {
  BlockPool pool(2);
  BlockId block = *pool.Allocate();
  pool.SetCachedHash(block, 42, 0, Tokens(0, 4));
  pool.AddRef(block);
  EXPECT_EQ(pool.ref_count(block), 2);
  pool.Release(block);
  EXPECT_EQ(pool.num_used(), 1);
  pool.Release(block);
  EXPECT_EQ(pool.num_used(), 0);
  EXPECT_EQ(pool.num_available(), 2);
  // Still findable while unreferenced, and revivable.
  ASSERT_EQ(pool.FindCached(42, 0, Tokens(0, 4)), block);
  pool.AddRef(block);
  EXPECT_EQ(pool.ref_count(block), 1);
  EXPECT_EQ(pool.num_cached_unreferenced(), 0);
}

TEST(BlockPoolTest, UnhashedBlockReturnsToFreeListAndIsNotFindable) {
  BlockPool pool(1);
  BlockId block = *pool.Allocate();
  pool.Release(block);
  EXPECT_EQ(pool.num_cached_unreferenced(), 0);
  EXPECT_FALSE(pool.is_cached(block));
  EXPECT_EQ(pool.Allocate(), block);
}

TEST(BlockPoolTest, FreeBlocksAreUsedBeforeEvictingCachedOnes) {
  BlockPool pool(2);
  BlockId cached = *pool.Allocate();
  pool.SetCachedHash(cached, 7, 0, Tokens(0, 2));
  pool.Release(cached);
  BlockId other = *pool.Allocate();
  EXPECT_NE(other, cached);
  EXPECT_TRUE(pool.FindCached(7, 0, Tokens(0, 2)).has_value());
  EXPECT_EQ(pool.num_evictions(), 0);
}

TEST(BlockPoolTest, EvictsLeastRecentlyReleasedCachedBlockFirst) {
  BlockPool pool(3);
  BlockId a = *pool.Allocate();
  BlockId b = *pool.Allocate();
  BlockId c = *pool.Allocate();
  pool.SetCachedHash(a, 1, 0, Tokens(10, 2));
  pool.SetCachedHash(b, 2, 0, Tokens(20, 2));
  pool.SetCachedHash(c, 3, 0, Tokens(30, 2));
  pool.Release(b);  // least recent
  pool.Release(a);
  pool.Release(c);  // most recent
  EXPECT_EQ(pool.Allocate(), b);
  EXPECT_FALSE(pool.FindCached(2, 0, Tokens(20, 2)).has_value()) << "evicted hash still found";
  // Touching `a` (revive + release) makes it the most recent; `c` goes next.
  pool.AddRef(a);
  pool.Release(a);
  EXPECT_EQ(pool.Allocate(), c);
  EXPECT_EQ(pool.Allocate(), a);
  EXPECT_FALSE(pool.Allocate().has_value());
  EXPECT_EQ(pool.num_evictions(), 3);
}

TEST(BlockPoolTest, LookupVerifiesParentAndTokensNotJustHash) {
  BlockPool pool(1);
  BlockId block = *pool.Allocate();
  pool.SetCachedHash(block, 99, 5, Tokens(0, 3));
  EXPECT_FALSE(pool.FindCached(99, 6, Tokens(0, 3)).has_value());
  EXPECT_FALSE(pool.FindCached(99, 5, Tokens(1, 3)).has_value());
  EXPECT_TRUE(pool.FindCached(99, 5, Tokens(0, 3)).has_value());
}

TEST(BlockPoolTest, FirstWriterOfAHashWins) {
  BlockPool pool(2);
  BlockId a = *pool.Allocate();
  BlockId b = *pool.Allocate();
  pool.SetCachedHash(a, 5, 0, Tokens(0, 2));
  pool.SetCachedHash(b, 5, 0, Tokens(0, 2));
  EXPECT_TRUE(pool.is_cached(a));
  EXPECT_FALSE(pool.is_cached(b));
  pool.Release(b);  // private duplicate goes straight back to the free list
  EXPECT_EQ(pool.num_cached_unreferenced(), 0);
  EXPECT_EQ(pool.FindCached(5, 0, Tokens(0, 2)), a);
}

}  // namespace
}  // namespace citadel::engine

#include "util/chunk_queue.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <vector>

#include "util/thread_pool.h"

namespace citadel {
namespace {

std::vector<std::pair<std::int64_t, std::int64_t>> Drain(ChunkQueue& queue) {
  std::vector<std::pair<std::int64_t, std::int64_t>> chunks;
  std::int64_t begin = 0, end = 0;
  while (queue.Next(&begin, &end)) chunks.emplace_back(begin, end);
  return chunks;
}

TEST(ChunkQueueTest, ChunksAreContiguousLargestFirstAndCoverEverything) {
  ChunkQueue queue(1000, 2, 8);
  const auto chunks = Drain(queue);
  ASSERT_FALSE(chunks.empty());
  EXPECT_EQ(chunks.front().first, 0);
  EXPECT_EQ(chunks.front().second, 250);  // a quarter: remaining / (2 x 2)
  std::int64_t expected_begin = 0;
  for (std::size_t i = 0; i < chunks.size(); ++i) {
    EXPECT_EQ(chunks[i].first, expected_begin);
    EXPECT_LT(chunks[i].first, chunks[i].second);
    if (i + 1 < chunks.size()) {
      EXPECT_GE(chunks[i].second - chunks[i].first, 8);
      EXPECT_GE(chunks[i].second - chunks[i].first, chunks[i + 1].second - chunks[i + 1].first);
    }
    expected_begin = chunks[i].second;
  }
  EXPECT_EQ(expected_begin, 1000);
}

TEST(ChunkQueueTest, EmptyAndTinyCounts) {
  ChunkQueue none(0, 4, 16);
  EXPECT_TRUE(Drain(none).empty());
  ChunkQueue three(3, 4, 16);
  const auto chunks = Drain(three);
  ASSERT_EQ(chunks.size(), 1u);
  EXPECT_EQ(chunks[0].first, 0);
  EXPECT_EQ(chunks[0].second, 3);
}

TEST(ChunkQueueTest, EveryItemGoesToExactlyOneParticipant) {
  ThreadPool pool(4);
  for (int round = 0; round < 50; ++round) {
    std::vector<std::atomic<int>> seen(5003);
    ChunkQueue queue(static_cast<std::int64_t>(seen.size()), pool.size(), 3);
    pool.Run([&](int) {
      std::int64_t begin = 0, end = 0;
      while (queue.Next(&begin, &end)) {
        for (std::int64_t i = begin; i < end; ++i) seen[i].fetch_add(1);
      }
    });
    for (std::size_t i = 0; i < seen.size(); ++i) ASSERT_EQ(seen[i].load(), 1) << i;
  }
}

}  // namespace
}  // namespace citadel

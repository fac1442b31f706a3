#include "util/thread_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <numeric>
#include <set>
#include <vector>

namespace citadel {
namespace {

TEST(ThreadPoolTest, SizeCountsTheCallingThread) {
  EXPECT_EQ(ThreadPool(1).size(), 1);
  EXPECT_EQ(ThreadPool(3).size(), 3);
  EXPECT_EQ(ThreadPool(0).size(), 1);
}

TEST(ThreadPoolTest, RunCallsEveryIndexExactlyOnce) {
  for (int n : {1, 2, 3, 5}) {
    ThreadPool pool(n);
    std::vector<std::atomic<int>> calls(n);
    pool.Run([&](int idx) { calls[idx].fetch_add(1); });
    for (int i = 0; i < n; ++i) EXPECT_EQ(calls[i].load(), 1) << "n=" << n << " idx=" << i;
  }
}

TEST(ThreadPoolTest, RunReturnsOnlyAfterAllWorkIsDone) {
  ThreadPool pool(4);
  std::vector<std::int64_t> out(4000, 0);
  for (int round = 1; round <= 200; ++round) {
    pool.Run([&](int idx) {
      auto [begin, end] = ThreadPool::Split(out.size(), idx, pool.size());
      for (std::int64_t i = begin; i < end; ++i) out[i] += round;
    });
    // Every element must already hold the sum of all rounds so far.
    std::int64_t expected = static_cast<std::int64_t>(round) * (round + 1) / 2;
    ASSERT_EQ(out.front(), expected);
    ASSERT_EQ(out.back(), expected);
  }
  EXPECT_EQ(std::accumulate(out.begin(), out.end(), std::int64_t{0}),
            std::int64_t{4000} * 200 * 201 / 2);
}

TEST(ThreadPoolTest, CallingThreadIsParticipantZero) {
  ThreadPool pool(3);
  std::thread::id caller = std::this_thread::get_id();
  std::vector<std::thread::id> ids(3);
  pool.Run([&](int idx) { ids[idx] = std::this_thread::get_id(); });
  EXPECT_EQ(ids[0], caller);
  EXPECT_EQ(std::set<std::thread::id>(ids.begin(), ids.end()).size(), 3u);
}

TEST(ThreadPoolTest, SplitCoversRangeContiguouslyAndEvenly) {
  for (std::int64_t count : {0, 1, 7, 64, 1001}) {
    for (int n : {1, 2, 3, 8}) {
      std::int64_t next = 0;
      for (int idx = 0; idx < n; ++idx) {
        auto [begin, end] = ThreadPool::Split(count, idx, n);
        EXPECT_EQ(begin, next);
        EXPECT_LE(end - begin, count / n + 1);
        EXPECT_GE(end - begin, count / n);
        next = end;
      }
      EXPECT_EQ(next, count);
    }
  }
}

TEST(ThreadPoolTest, SurvivesIdleSleepBetweenRuns) {
  // Enough Runs separated by a blocking join of another thread that workers
  // go through both the spin and the futex path; every Run must still finish.
  ThreadPool pool(2);
  std::atomic<int> total{0};
  for (int i = 0; i < 20; ++i) {
    std::thread idle([] {
      volatile std::uint64_t x = 0;
      for (int k = 0; k < 2000000; ++k) x = x + k;
    });
    idle.join();
    pool.Run([&](int) { total.fetch_add(1); });
  }
  EXPECT_EQ(total.load(), 40);
}

}  // namespace
}  // namespace citadel

// Hands out the items [0, count) of one ThreadPool::Run in contiguous chunks,
// largest first ("guided" scheduling): each claim takes
// max(min_chunk, remaining / (2 * participants)) items from the front.
//
// A static split (ThreadPool::Split) makes every participant wait for the
// slowest one, and on a shared VM one core regularly streams memory several
// percent slower than the other. Guided chunks keep the long contiguous
// runs that streaming needs, and let whoever is free take the short tail.
//
// Thread-safe: Next may be called concurrently; each item is handed out
// exactly once.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>

namespace citadel {

class ChunkQueue {
 public:
  // count >= 0 items for `participants` >= 1 callers; chunks of at least
  // min_chunk >= 1 items (the last may be shorter).
  ChunkQueue(std::int64_t count, int participants, std::int64_t min_chunk)
      : count_(count),
        divisor_(2 * static_cast<std::int64_t>(std::max(1, participants))),
        min_chunk_(std::max<std::int64_t>(1, min_chunk)) {}

  ChunkQueue(const ChunkQueue&) = delete;
  ChunkQueue& operator=(const ChunkQueue&) = delete;

  // Claims the next chunk as [*begin, *end); false once every item is taken.
  bool Next(std::int64_t* begin, std::int64_t* end) {
    std::int64_t start = next_.load(std::memory_order_relaxed);
    for (;;) {
      const std::int64_t remaining = count_ - start;
      if (remaining <= 0) return false;
      const std::int64_t size = std::min(remaining, std::max(min_chunk_, remaining / divisor_));
      if (next_.compare_exchange_weak(start, start + size, std::memory_order_relaxed)) {
        *begin = start;
        *end = start + size;
        return true;
      }
    }
  }

 private:
  const std::int64_t count_;
  const std::int64_t divisor_;
  const std::int64_t min_chunk_;
  std::atomic<std::int64_t> next_{0};
};

}  // namespace citadel

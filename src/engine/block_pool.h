// BlockPool: the bookkeeping of a fixed number of KV-cache blocks.
//
// A block holds the K/V of `block_tokens` consecutive tokens of one sequence
// (the memory itself lives in model/; this pool only hands out block ids).
// Each block has a reference count: the number of sequences whose block table
// lists it. A block with count 0 is either
//   - free (on the free list, content meaningless), or
//   - cached: it holds a full block whose prefix hash was registered with
//     SetCachedHash(); it sits in an LRU list and can be revived by
//     FindCached() + AddRef(), or evicted (hash forgotten) when Allocate()
//     runs out of free blocks.
//
//   free list  ──Allocate()──►  referenced (ref >= 1)  ──Release() to 0──►  free list
//                                      ▲    │ (hashed)
//                           AddRef()   │    ▼
//                                   LRU of cached blocks ──evicted by Allocate()──► reused
//
// Thread-compatible: owned and used by the engine thread only.
#pragma once

#include <cstdint>
#include <list>
#include <optional>
#include <span>
#include <unordered_map>
#include <vector>

namespace citadel::engine {

using BlockId = std::int32_t;

class BlockPool {
 public:
  // A pool of `num_blocks` blocks, all free. `num_blocks` must be >= 0.
  explicit BlockPool(int num_blocks);

  BlockPool(const BlockPool&) = delete;
  BlockPool& operator=(const BlockPool&) = delete;

  // Takes a block with reference count 1. Prefers a never-cached free block;
  // otherwise evicts the least recently used cached block (its hash is
  // forgotten). Returns nullopt when every block is referenced — an expected
  // outcome the scheduler answers by preempting, not an error.
  std::optional<BlockId> Allocate();

  // Adds a reference. A cached block at count 0 leaves the LRU list.
  void AddRef(BlockId block);

  // Drops a reference. At count 0 a hashed block joins the LRU list as most
  // recently used; an unhashed one returns to the free list.
  void Release(BlockId block);

  // Marks a referenced block as holding the full block whose chained prefix
  // hash is `hash` (see KvCacheManager), with its `tokens` kept to verify
  // lookups. No-op when the block is already hashed or when another block
  // already holds `hash` (the first writer wins; the duplicate stays private).
  void SetCachedHash(BlockId block, std::uint64_t hash, std::uint64_t parent_hash,
                     std::span<const std::int32_t> tokens);

  // The block holding `hash` with the same parent hash and tokens, or nullopt.
  // Does not change its reference count; call AddRef() to use it.
  std::optional<BlockId> FindCached(std::uint64_t hash, std::uint64_t parent_hash,
                                    std::span<const std::int32_t> tokens) const;

  int num_blocks() const { return static_cast<int>(blocks_.size()); }
  // Blocks Allocate() can still hand out: free plus evictable cached ones.
  int num_available() const { return static_cast<int>(free_list_.size() + lru_.size()); }
  // Blocks referenced by at least one sequence.
  int num_used() const { return num_blocks() - num_available(); }
  // Cached blocks at count 0, waiting in the LRU list.
  int num_cached_unreferenced() const { return static_cast<int>(lru_.size()); }
  int ref_count(BlockId block) const { return blocks_[block].ref_count; }
  bool is_cached(BlockId block) const { return blocks_[block].hashed; }
  std::int64_t num_evictions() const { return num_evictions_; }

 private:
  struct Block {
    int ref_count = 0;
    bool hashed = false;
    std::uint64_t hash = 0;
    std::uint64_t parent_hash = 0;
    std::vector<std::int32_t> tokens;      // the block's tokens while hashed
    std::list<BlockId>::iterator lru_pos;  // valid while in lru_
  };

  void ForgetHash(BlockId block);

  std::vector<Block> blocks_;
  std::vector<BlockId> free_list_;  // LIFO stack of unhashed free blocks
  std::list<BlockId> lru_;          // cached blocks at count 0, front = least recent
  std::unordered_map<std::uint64_t, BlockId> by_hash_;
  std::int64_t num_evictions_ = 0;
};

}  // namespace citadel::engine

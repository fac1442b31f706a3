#include "engine/block_pool.h"

#include <algorithm>
#include <cassert>

namespace citadel::engine {

BlockPool::BlockPool(int num_blocks) : blocks_(static_cast<size_t>(std::max(num_blocks, 0))) {
  free_list_.reserve(blocks_.size());
  // Push in reverse so that Allocate() hands out 0, 1, 2, ... first.
  for (int i = num_blocks - 1; i >= 0; --i) free_list_.push_back(i);
}

std::optional<BlockId> BlockPool::Allocate() {
  BlockId block;
  if (!free_list_.empty()) {
    block = free_list_.back();
    free_list_.pop_back();
  } else if (!lru_.empty()) {
    block = lru_.front();
    lru_.pop_front();
    ForgetHash(block);
    ++num_evictions_;
  } else {
    return std::nullopt;
  }
  assert(blocks_[block].ref_count == 0);
  blocks_[block].ref_count = 1;
  return block;
}

void BlockPool::AddRef(BlockId block) {
  Block& b = blocks_[block];
  if (b.ref_count == 0) {
    assert(b.hashed && "only cached blocks can be revived");
    lru_.erase(b.lru_pos);
  }
  ++b.ref_count;
}

void BlockPool::Release(BlockId block) {
  Block& b = blocks_[block];
  assert(b.ref_count > 0);
  if (--b.ref_count > 0) return;
  if (b.hashed) {
    b.lru_pos = lru_.insert(lru_.end(), block);
  } else {
    free_list_.push_back(block);
  }
}

void BlockPool::SetCachedHash(BlockId block, std::uint64_t hash, std::uint64_t parent_hash,
                              std::span<const std::int32_t> tokens) {
  Block& b = blocks_[block];
  assert(b.ref_count > 0);
  if (b.hashed || by_hash_.contains(hash)) return;
  b.hashed = true;
  b.hash = hash;
  b.parent_hash = parent_hash;
  b.tokens.assign(tokens.begin(), tokens.end());
  by_hash_.emplace(hash, block);
}

std::optional<BlockId> BlockPool::FindCached(std::uint64_t hash, std::uint64_t parent_hash,
                                             std::span<const std::int32_t> tokens) const {
  auto it = by_hash_.find(hash);
  if (it == by_hash_.end()) return std::nullopt;
  const Block& b = blocks_[it->second];
  // A 64-bit hash can collide; the parent hash and tokens make a false hit
  // practically impossible and keep wrong K/V from ever being reused.
  if (b.parent_hash != parent_hash || !std::ranges::equal(b.tokens, tokens)) return std::nullopt;
  return it->second;
}

void BlockPool::ForgetHash(BlockId block) {
  Block& b = blocks_[block];
  by_hash_.erase(b.hash);
  b.hashed = false;
  b.hash = 0;
  b.parent_hash = 0;
  b.tokens.clear();
}

}  // namespace citadel::engine

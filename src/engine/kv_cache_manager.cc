#include "engine/kv_cache_manager.h"

#include <algorithm>
#include <cassert>

namespace citadel::engine {
namespace {

// The splitmix64 finalizer: a cheap, well-mixing 64-bit permutation.
std::uint64_t Mix(std::uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

}  // namespace

KvCacheManager::KvCacheManager(int num_blocks, int block_tokens, std::uint64_t model_seed)
    : pool_(num_blocks), block_tokens_(block_tokens), model_seed_(Mix(model_seed + 1)) {
  assert(block_tokens > 0);
}

std::uint64_t KvCacheManager::ChainHash(std::uint64_t parent,
                                        std::span<const std::int32_t> block_tokens) const {
  std::uint64_t h = Mix(parent ^ 0x9e3779b97f4a7c15ULL);
  for (std::int32_t token : block_tokens) {
    h = Mix(h + static_cast<std::uint32_t>(token) + 0x9e3779b97f4a7c15ULL);
  }
  return h;
}

int KvCacheManager::AttachCachedPrefix(SequenceId seq, std::span<const std::int32_t> tokens) {
  SequenceBlocks& entry = sequences_[seq];
  assert(entry.blocks.empty());
  // Keep at least one token to compute: the last prompt token yields logits.
  const size_t max_blocks = tokens.empty() ? 0 : (tokens.size() - 1) / block_tokens_;
  std::uint64_t parent = model_seed_;
  for (size_t i = 0; i < max_blocks; ++i) {
    auto chunk = tokens.subspan(i * block_tokens_, block_tokens_);
    const std::uint64_t hash = ChainHash(parent, chunk);
    std::optional<BlockId> block = pool_.FindCached(hash, parent, chunk);
    if (!block) break;
    pool_.AddRef(*block);
    entry.blocks.push_back(*block);
    entry.chain_hashes.push_back(hash);
    parent = hash;
  }
  return static_cast<int>(entry.blocks.size()) * block_tokens_;
}

void KvCacheManager::RecordPrefixLookup(int query_tokens, int hit_tokens) {
  ++counters_.queries;
  counters_.query_tokens += query_tokens;
  if (hit_tokens > 0) {
    ++counters_.hits;
    counters_.hit_tokens += hit_tokens;
  }
}

bool KvCacheManager::Reserve(SequenceId seq, int num_tokens) {
  SequenceBlocks& entry = sequences_[seq];
  const int missing = BlocksFor(num_tokens) - static_cast<int>(entry.blocks.size());
  if (missing <= 0) return true;
  if (missing > pool_.num_available()) return false;
  for (int i = 0; i < missing; ++i) {
    std::optional<BlockId> block = pool_.Allocate();
    assert(block.has_value());
    entry.blocks.push_back(*block);
  }
  return true;
}

void KvCacheManager::CacheFullBlocks(SequenceId seq, std::span<const std::int32_t> tokens,
                                     int num_computed) {
  auto it = sequences_.find(seq);
  if (it == sequences_.end()) return;
  SequenceBlocks& entry = it->second;
  const size_t full_blocks =
      std::min(static_cast<size_t>(num_computed) / block_tokens_, entry.blocks.size());
  while (entry.chain_hashes.size() < full_blocks) {
    const size_t i = entry.chain_hashes.size();
    const std::uint64_t parent = i == 0 ? model_seed_ : entry.chain_hashes[i - 1];
    auto chunk = tokens.subspan(i * block_tokens_, block_tokens_);
    const std::uint64_t hash = ChainHash(parent, chunk);
    pool_.SetCachedHash(entry.blocks[i], hash, parent, chunk);
    entry.chain_hashes.push_back(hash);
  }
}

void KvCacheManager::Free(SequenceId seq) {
  auto it = sequences_.find(seq);
  if (it == sequences_.end()) return;
  const std::vector<BlockId>& blocks = it->second.blocks;
  for (auto block = blocks.rbegin(); block != blocks.rend(); ++block) pool_.Release(*block);
  sequences_.erase(it);
}

std::span<const BlockId> KvCacheManager::BlockTable(SequenceId seq) const {
  auto it = sequences_.find(seq);
  if (it == sequences_.end()) return {};
  return it->second.blocks;
}

}  // namespace citadel::engine

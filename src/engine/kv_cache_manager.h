// KvCacheManager: block tables per sequence on top of a BlockPool, and the
// prefix cache.
//
// A sequence's block table maps token position p to block
// table[p / block_tokens], slot p % block_tokens. The prefix cache keys every
// *full* block by a chained hash of the whole token chain up to and including
// it (seeded with the model's identity), so equal block contents after
// different prefixes never match:
//
//   h0 = H(model_seed, tokens[0..B)),  h1 = H(h0, tokens[B..2B)),  ...
//
// A new sequence reuses the longest chain of cached blocks that matches its
// prompt (always leaving at least one token to compute, so the model yields
// logits for the last prompt token). Reused blocks are full and never written
// again, so sharing them needs no copy-on-write.
//
// Thread-compatible: owned and used by the engine thread only.
#pragma once

#include <cstdint>
#include <span>
#include <unordered_map>
#include <vector>

#include "engine/block_pool.h"

namespace citadel::engine {

using SequenceId = std::uint64_t;

// Prefix-cache counters since construction.
struct PrefixCacheCounters {
  std::int64_t queries = 0;       // lookups (one per admitted sequence)
  std::int64_t hits = 0;          // lookups that reused at least one block
  std::int64_t query_tokens = 0;  // prompt tokens looked up
  std::int64_t hit_tokens = 0;    // prompt tokens served from the cache
};

class KvCacheManager {
 public:
  // `num_blocks` blocks of `block_tokens` (> 0) tokens each. `model_seed`
  // identifies the model (and KV type) so that caches of different models can
  // never be confused.
  KvCacheManager(int num_blocks, int block_tokens, std::uint64_t model_seed);

  // Attaches to `seq` (which must hold no blocks yet) the longest chain of
  // cached blocks matching a prefix of `tokens`. Returns the number of tokens
  // covered: a multiple of block_tokens, strictly less than tokens.size().
  int AttachCachedPrefix(SequenceId seq, std::span<const std::int32_t> tokens);

  // Counts one prefix-cache query of `query_tokens` of which `hit_tokens`
  // were served (the scheduler calls it once per request, on admission).
  void RecordPrefixLookup(int query_tokens, int hit_tokens);

  // Grows `seq`'s block table to cover `num_tokens` positions. All or
  // nothing: returns false (and changes nothing) when the pool lacks blocks.
  bool Reserve(SequenceId seq, int num_tokens);

  // Registers in the prefix cache every full block of `seq` that lies within
  // the first `num_computed` tokens (their K/V is written). `tokens` is the
  // sequence's whole token list so far (prompt then output).
  void CacheFullBlocks(SequenceId seq, std::span<const std::int32_t> tokens, int num_computed);

  // Releases every block of `seq` (tail first, so the tail is evicted first)
  // and forgets it. No-op for an unknown sequence.
  void Free(SequenceId seq);

  // The block table of `seq`; empty for an unknown sequence. Valid until the
  // next call that changes `seq`.
  std::span<const BlockId> BlockTable(SequenceId seq) const;

  // Blocks needed to hold `num_tokens` tokens.
  int BlocksFor(int num_tokens) const { return (num_tokens + block_tokens_ - 1) / block_tokens_; }

  int block_tokens() const { return block_tokens_; }
  const BlockPool& pool() const { return pool_; }
  const PrefixCacheCounters& prefix_counters() const { return counters_; }
  int num_sequences() const { return static_cast<int>(sequences_.size()); }

 private:
  struct SequenceBlocks {
    std::vector<BlockId> blocks;
    std::vector<std::uint64_t> chain_hashes;  // one per full block hashed so far
  };

  std::uint64_t ChainHash(std::uint64_t parent, std::span<const std::int32_t> block_tokens) const;

  BlockPool pool_;
  int block_tokens_;
  std::uint64_t model_seed_;
  std::unordered_map<SequenceId, SequenceBlocks> sequences_;
  PrefixCacheCounters counters_;
};

}  // namespace citadel::engine

// The ragged batch: one forward pass's input, tokens from several sequences,
// each sequence with its own positions and KV block table (habit 8).
//
// Structure of arrays, one entry per token (in any sequence order, but a
// sequence's tokens in increasing position order):
//
//   token_ids    [num_tokens]  vocabulary ids
//   positions    [num_tokens]  position of the token in its sequence
//   sequence_idx [num_tokens]  index into the sequences of this batch
//   wants_logits [num_tokens]  1 when the caller needs this token's logits
//
// Per sequence: a block table (block ids of positions 0, block_size, ...,
// covering at least every position it has in the batch) kept flat in
// `block_ids`, sequence s owning block_ids[block_begin[s], block_begin[s+1]).
// A token at position p attends to positions 0..p of its own sequence: the
// KV rows of positions < p that are not in the batch must already hold that
// sequence's earlier keys and values.
//
// The vectors keep their capacity across Clear(), so a reused Batch
// allocates nothing in steady state. Thread-compatible value type.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace citadel::model {

class Batch {
 public:
  void Clear() {
    token_ids.clear();
    positions.clear();
    sequence_idx.clear();
    wants_logits.clear();
    block_ids.clear();
    block_begin.assign(1, 0);
  }

  // Adds a sequence with the given block table; returns its index.
  int AddSequence(std::span<const std::int32_t> block_table) {
    if (block_begin.empty()) block_begin.push_back(0);
    block_ids.insert(block_ids.end(), block_table.begin(), block_table.end());
    block_begin.push_back(static_cast<std::int32_t>(block_ids.size()));
    return num_sequences() - 1;
  }

  void AddToken(std::int32_t token_id, std::int32_t position, int sequence, bool logits) {
    token_ids.push_back(token_id);
    positions.push_back(position);
    sequence_idx.push_back(sequence);
    wants_logits.push_back(logits ? 1 : 0);
  }

  int num_tokens() const { return static_cast<int>(token_ids.size()); }
  int num_sequences() const {
    return block_begin.empty() ? 0 : static_cast<int>(block_begin.size()) - 1;
  }
  int num_logits() const {
    int count = 0;
    for (std::uint8_t w : wants_logits) count += w;
    return count;
  }
  std::span<const std::int32_t> BlockTable(int sequence) const {
    return std::span<const std::int32_t>(block_ids).subspan(
        static_cast<std::size_t>(block_begin[sequence]),
        static_cast<std::size_t>(block_begin[sequence + 1] - block_begin[sequence]));
  }

  std::vector<std::int32_t> token_ids;
  std::vector<std::int32_t> positions;
  std::vector<std::int32_t> sequence_idx;
  std::vector<std::uint8_t> wants_logits;
  std::vector<std::int32_t> block_ids;
  std::vector<std::int32_t> block_begin{0};
};

}  // namespace citadel::model

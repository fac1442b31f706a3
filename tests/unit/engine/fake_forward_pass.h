// Test doubles for the engine's model seam: a tiny vocabulary and a
// "model" whose KV memory records which token sits at each (block, slot).
//
// The fake's next token is a function of the whole token history it reads
// back through the sequence's block table, so a wrong block table, a block
// shared by mistake, a prefix-cache hit on the wrong content or a lost
// recompute all change the output — the engine's bookkeeping is tested for
// real, only the arithmetic of a transformer is left out.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "engine/forward_pass.h"
#include "model/batch.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/vocab.h"

namespace citadel::engine::testing {

// ids: 0 <unk>, 1 <s>, 2 </s>, then 3 + i for the i-th letter of
// "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", then "▁" (a space).
inline constexpr std::int32_t kEos = 2;
inline constexpr std::int32_t kFirstLetter = 3;
inline constexpr char kLetters[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
inline constexpr int kNumLetters = sizeof(kLetters) - 1;
inline constexpr std::int32_t kSpace = kFirstLetter + kNumLetters;
inline constexpr int kVocabSize = kSpace + 1;

inline std::int32_t Letter(char c) {
  for (int i = 0; i < kNumLetters; ++i) {
    if (kLetters[i] == c) return kFirstLetter + i;
  }
  return kSpace;
}

inline std::vector<std::int32_t> Spell(std::string_view text) {
  std::vector<std::int32_t> ids;
  for (char c : text) ids.push_back(Letter(c));
  return ids;
}

inline std::unique_ptr<tokenizer::Tokenizer> MakeTestTokenizer() {
  tokenizer::Vocab vocab;
  vocab.model = "llama";
  vocab.tokens = {"<unk>", "<s>", "</s>"};
  vocab.types = {tokenizer::TokenType::kUnknown, tokenizer::TokenType::kControl,
                 tokenizer::TokenType::kControl};
  for (int i = 0; i < kNumLetters; ++i) {
    vocab.tokens.push_back(std::string(1, kLetters[i]));
    vocab.types.push_back(tokenizer::TokenType::kNormal);
  }
  vocab.tokens.push_back("\xE2\x96\x81");  // U+2581, SentencePiece's space
  vocab.types.push_back(tokenizer::TokenType::kNormal);
  vocab.scores.assign(vocab.tokens.size(), 0.0f);
  vocab.unk_id = 0;
  vocab.bos_id = 1;
  vocab.eos_id = kEos;
  vocab.add_bos = 0;
  vocab.add_space_prefix = 0;
  auto tok = tokenizer::Tokenizer::FromVocab(std::move(vocab));
  EXPECT_TRUE(tok.ok()) << tok.status().ToString();
  return std::move(tok).value();
}

// Next token from a history: a hash over every token, never </s>.
inline std::int32_t HashNextToken(std::span<const std::int32_t> history) {
  std::uint64_t h = 1469598103934665603ULL;
  for (std::int32_t t : history) h = (h ^ static_cast<std::uint64_t>(t)) * 1099511628211ULL;
  return kFirstLetter + static_cast<std::int32_t>((h >> 17) % (kVocabSize - kFirstLetter));
}

class FakeForwardPass final : public ForwardPass {
 public:
  using NextToken = std::function<std::int32_t(std::span<const std::int32_t> history)>;

  FakeForwardPass(int num_blocks, int block_tokens, NextToken next = HashNextToken)
      : block_tokens_(block_tokens),
        slots_(static_cast<size_t>(num_blocks) * block_tokens, -1),
        next_(std::move(next)) {}

  // Called at the start of every Forward (tests use it as a gate).
  std::function<void()> before_forward;

  int vocab_size() const override { return kVocabSize; }
  int num_forward_calls() const { return calls_; }
  int max_sequences_in_a_batch() const { return max_sequences_; }

  Status Forward(const model::Batch& batch, std::span<float> logits) override {
    if (before_forward) before_forward();
    ++calls_;
    max_sequences_ = std::max(max_sequences_, batch.num_sequences());
    if (logits.size() != static_cast<size_t>(batch.num_logits()) * kVocabSize) {
      return InvalidArgumentError("logits span has the wrong size");
    }
    // Write every token's "K/V" first, as the real model does.
    for (int i = 0; i < batch.num_tokens(); ++i) {
      CITADEL_ASSIGN_OR_RETURN(size_t slot, Slot(batch, batch.sequence_idx[i], batch.positions[i]));
      slots_[slot] = batch.token_ids[i];
    }
    size_t row = 0;
    std::vector<std::int32_t> history;
    for (int i = 0; i < batch.num_tokens(); ++i) {
      if (!batch.wants_logits[i]) continue;
      history.clear();
      for (int p = 0; p <= batch.positions[i]; ++p) {
        CITADEL_ASSIGN_OR_RETURN(size_t slot, Slot(batch, batch.sequence_idx[i], p));
        history.push_back(slots_[slot]);
      }
      std::span<float> out = logits.subspan(row++ * kVocabSize, kVocabSize);
      std::fill(out.begin(), out.end(), 0.0f);
      out[next_(history)] = 10.0f;
    }
    return OkStatus();
  }

 private:
  Result<size_t> Slot(const model::Batch& batch, int sequence, int position) const {
    std::span<const std::int32_t> table = batch.BlockTable(sequence);
    const size_t block_idx = static_cast<size_t>(position / block_tokens_);
    if (position < 0 || block_idx >= table.size()) {
      return InvalidArgumentError("block table does not cover position " +
                                  std::to_string(position));
    }
    const size_t slot =
        static_cast<size_t>(table[block_idx]) * block_tokens_ + position % block_tokens_;
    if (table[block_idx] < 0 || slot >= slots_.size()) return InvalidArgumentError("bad block id");
    return slot;
  }

  int block_tokens_;
  std::vector<std::int32_t> slots_;
  NextToken next_;
  int calls_ = 0;
  int max_sequences_ = 0;
};

}  // namespace citadel::engine::testing

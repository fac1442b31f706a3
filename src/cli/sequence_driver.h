// A single-sequence driver over Model::Forward for `citadel bench` only: the
// sequence owns all of the model's KV blocks in order (block table 0, 1, 2,
// ...), prefill feeds a run of tokens, each step feeds one. Bench times the
// forward pass itself, like llama-bench, so it bypasses the engine on
// purpose; every command that generates text (`serve`, `generate`, `run`)
// goes through the Engine instead.
//
// Thread-compatible; borrows the model, which must outlive the driver.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "model/batch.h"
#include "model/model.h"
#include "util/status.h"

namespace citadel::cli {

class SequenceDriver {
 public:
  explicit SequenceDriver(model::Model& model);

  // Forgets the sequence (the next token goes to position 0).
  void Reset() { position_ = 0; }
  // Keeps the first `position` tokens (0 <= position <= position()); later
  // KV rows are overwritten by the next Feed.
  void Rewind(int position) { position_ = position < position_ ? position : position_; }
  int position() const { return position_; }
  // Positions left before the context is full.
  int remaining() const { return model_.context_length() - position_; }

  // Feeds `tokens` at the next positions and computes the logits of the last
  // one. OutOfRange when they do not fit in the context; InvalidArgument for
  // an empty span or a token outside the vocabulary.
  Status Feed(std::span<const std::int32_t> tokens);

  // Logits [vocab] of the last fed token.
  std::span<const float> logits() const { return logits_; }

 private:
  model::Model& model_;
  std::vector<std::int32_t> block_table_;
  model::Batch batch_;
  std::vector<float> logits_;
  int position_ = 0;
};

}  // namespace citadel::cli

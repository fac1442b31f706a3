// ForwardPass: the engine's one seam to the model — "run this ragged batch,
// give me the logits". The real implementation forwards to model::Model;
// unit tests of the engine substitute a small scripted model so that the
// scheduler, streams and stop logic are tested without weights.
//
// One virtual call per step (not per token). Implementations are
// thread-compatible: the engine thread is the only caller.
#pragma once

#include <span>

#include "model/batch.h"
#include "model/model.h"
#include "util/status.h"

namespace citadel::engine {

class ForwardPass {
 public:
  virtual ~ForwardPass() = default;

  // Writes K/V of every batch token and the logits of tokens with
  // wants_logits, in token order, to `logits` [batch.num_logits(), vocab_size()].
  virtual Status Forward(const model::Batch& batch, std::span<float> logits) = 0;
  virtual int vocab_size() const = 0;
};

// The forward pass of a loaded model. Borrows `model`, which must outlive it.
class ModelForwardPass final : public ForwardPass {
 public:
  explicit ModelForwardPass(model::Model& model) : model_(model) {}
  Status Forward(const model::Batch& batch, std::span<float> logits) override {
    return model_.Forward(batch, logits);
  }
  int vocab_size() const override { return model_.config().vocab_size; }

 private:
  model::Model& model_;
};

}  // namespace citadel::engine

#include "cli/sequence_driver.h"

#include <string>

namespace citadel::cli {

SequenceDriver::SequenceDriver(model::Model& model)
    : model_(model), logits_(static_cast<std::size_t>(model.config().vocab_size)) {
  const int blocks = model.kv_memory().shape().num_blocks;
  block_table_.reserve(static_cast<std::size_t>(blocks));
  for (int block_id = 0; block_id < blocks; ++block_id) block_table_.push_back(block_id);
}

Status SequenceDriver::Feed(std::span<const std::int32_t> tokens) {
  if (tokens.empty()) return InvalidArgumentError("no tokens to feed");
  if (static_cast<std::int64_t>(tokens.size()) > remaining()) {
    return OutOfRangeError("context full: " + std::to_string(position_) + " + " +
                           std::to_string(tokens.size()) + " tokens exceed the context of " +
                           std::to_string(model_.context_length()));
  }
  batch_.Clear();
  const int sequence = batch_.AddSequence(block_table_);
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    batch_.AddToken(tokens[i], position_ + static_cast<int>(i), sequence, i + 1 == tokens.size());
  }
  CITADEL_TRY(model_.Forward(batch_, logits_));
  position_ += static_cast<int>(tokens.size());
  return OkStatus();
}

}  // namespace citadel::cli

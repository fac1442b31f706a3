// The qwen3 family (dense Qwen3): no projection biases, an RMSNorm over each
// query and key head before RoPE (attn_q_norm / attn_k_norm), NeoX RoPE, and
// a head dim that may differ from embedding_length / head_count
// (attention.key_length). The shared block is in transformer_block.cc.
#include "model/model_config.h"

namespace citadel::model {

Result<ModelConfig> Qwen3ConfigFromGguf(const gguf::GgufFile& file) {
  CITADEL_ASSIGN_OR_RETURN(ModelConfig config, ParseTransformerConfig(file, "qwen3"));
  config.architecture = Architecture::kQwen3;
  config.rope_neox = true;
  config.qk_norm = true;
  return config;
}

}  // namespace citadel::model

// The qwen2 family (Qwen2, Qwen2.5): llama's block with biases on the q, k
// and v projections and NeoX-layout RoPE. The shared block is in
// transformer_block.cc.
#include "model/model_config.h"

namespace citadel::model {

Result<ModelConfig> Qwen2ConfigFromGguf(const gguf::GgufFile& file) {
  CITADEL_ASSIGN_OR_RETURN(ModelConfig config, ParseTransformerConfig(file, "qwen2"));
  config.architecture = Architecture::kQwen2;
  config.rope_neox = true;
  config.qkv_bias = true;
  return config;
}

}  // namespace citadel::model

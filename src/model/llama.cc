// The llama family: Llama 2, Llama 3.x (llama3 RoPE frequency factors ship
// as rope_freqs.weight), TinyLlama, SmolLM, Mistral 7B. Pre-norm blocks with
// RMSNorm, normal (adjacent-pair) RoPE, grouped-query attention, SwiGLU FFN,
// no biases. The shared block is in transformer_block.cc.
#include "model/model_config.h"

namespace citadel::model {

Result<ModelConfig> LlamaConfigFromGguf(const gguf::GgufFile& file) {
  CITADEL_ASSIGN_OR_RETURN(ModelConfig config, ParseTransformerConfig(file, "llama"));
  config.architecture = Architecture::kLlama;
  config.rope_neox = false;
  return config;
}

}  // namespace citadel::model

// Cross-checks of a model file's metadata against its tensors, run once at
// load (ModelConfigFromGguf) before anything is bound or served: a file whose
// hyper-parameters contradict its weights would otherwise index past a
// tensor or quietly compute garbage.
//
// Checked: a positive context length; the vocabulary (tokenizer.ggml.tokens,
// <arch>.vocab_size) against the rows of token_embd.weight and output.weight;
// every special-token id the metadata names inside the vocabulary; the
// layer count against the blk.N tensors present; the head, KV-head and
// feed-forward sizes against the first layer's projection shapes.
//
// Pure function; thread-safe.
#pragma once

#include "gguf/gguf_file.h"
#include "model/model_config.h"
#include "util/status.h"

namespace citadel::model {

// OkStatus when `config` (parsed from `file`) agrees with the tensors.
// InvalidArgument otherwise: one line naming the file, the metadata field,
// its value and the tensor it contradicts ("m.gguf: llama.block_count is 3
// but the tensors cover 2 layers (blk.0 .. blk.1)").
Status CheckMetadataAgainstTensors(const gguf::GgufFile& file, const ModelConfig& config);

}  // namespace citadel::model

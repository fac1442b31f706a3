// The composition root: the one place a GGUF file becomes a model that can
// answer, for `serve`, `run`, `generate` and `bench`.
//
//   GGUF file -> model (hyper-parameters checked against the tensors, weights
//   bound, KV memory) -> tokenizer -> chat prompt -> engine
//
// LoadServedModel builds the whole stack; LoadModelStack stops before the
// chat prompt and the engine, for `bench`, which drives the forward pass
// itself. Every error names the file; a file whose metadata contradicts its
// tensors is refused here, before anything serves it.
//
// Load functions are thread-safe (they share nothing). A ServedModel is
// immutable after loading except for its engine, which is thread-safe (see
// engine/engine.h). Members are declared in dependency order: the engine,
// destroyed first, borrows the model and the tokenizer; the prompt borrows
// the tokenizer.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "engine/engine.h"
#include "engine/engine_options.h"
#include "model/kv_memory.h"
#include "model/model.h"
#include "runtime/chat_prompt.h"
#include "tokenizer/tokenizer.h"
#include "util/status.h"

namespace citadel::runtime {

using KvCacheType = model::KvCacheType;
// "f16" or "q8_0" (the spelling of --kv-cache-type and engine.kv_cache_type).
using model::KvCacheTypeName;
// InvalidArgument quoting the text for anything but "f16" or "q8_0".
using model::ParseKvCacheType;

// A model and its tokenizer, without an engine.
struct ModelStack {
  std::unique_ptr<model::Model> model;
  std::unique_ptr<tokenizer::Tokenizer> tokenizer;  // borrows nothing from the model
};

// Loads `path` with `load` (context length, KV blocks, threads, batch size).
// NotFound when the file is missing; InvalidArgument / DataLoss naming the
// file and the field when it is malformed or its metadata contradicts its
// tensors.
Result<ModelStack> LoadModelStack(const std::string& path, const model::LoadOptions& load);

struct ModelSpec {
  std::string path;
  std::string id;  // empty: the file name without .gguf
};

struct ServedModel {
  std::string id;
  std::string path;
  std::int64_t created = 0;  // unix seconds when loaded
  std::unique_ptr<model::Model> model;
  std::unique_ptr<tokenizer::Tokenizer> tokenizer;
  ChatPrompt prompt;
  std::unique_ptr<engine::Engine> engine;  // declared last: stopped first
};

// Loads the model with the KV cache `options` ask for (engine::
// ModelLoadOptionsFor), its tokenizer and chat prompt, and starts its engine
// with `threads` compute threads (0: all). `warn` hears the one line about a
// chat template that does not parse. Errors as LoadModelStack, plus the
// engine's refusal of `options`.
Result<std::unique_ptr<ServedModel>> LoadServedModel(const ModelSpec& spec,
                                                     const engine::EngineOptions& options,
                                                     int threads,
                                                     const WarningSink& warn = WarnOnStderr);

// The id a model file is served under when no alias is given.
std::string DefaultModelId(const std::string& path);

}  // namespace citadel::runtime

// LocalEngine: a model loaded for one user at the terminal (`generate`,
// `run`): model, tokenizer and an Engine with one running sequence, so the
// CLI generates through the same scheduler, sampler, stop conditions, limits
// and metrics as `serve`. GenerateLocally() runs one request and hands each
// piece of text to a callback as the OutputStage releases it.
//
// Thread-compatible: one CLI thread drives it; the engine runs its own
// thread (see engine/engine.h). Declared order matters: the engine is
// destroyed before the model and tokenizer it borrows.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/engine.h"
#include "engine/sampler.h"
#include "model/model.h"
#include "tokenizer/tokenizer.h"
#include "util/status.h"

namespace citadel::cli {

struct LocalEngine {
  std::unique_ptr<model::Model> model;
  std::unique_ptr<tokenizer::Tokenizer> tokenizer;
  std::unique_ptr<engine::Engine> engine;  // last: stopped first
};

// Loads `path` with `context` tokens of context (0: the model's, at most
// 4096), `kv_cache_type` ("f16", "q8_0") and `threads` compute threads (0: all).
Result<LocalEngine> LoadLocalEngine(const std::string& path, int context,
                                    const std::string& kv_cache_type, int threads);

struct LocalGeneration {
  std::string text;
  std::vector<std::int32_t> tokens;  // generated ids, an end-of-generation token excluded
  engine::FinalEvent final_event;
};

// Runs `prompt` through the engine. `max_tokens` is capped to the room the
// context leaves (0 generates nothing). `on_text` gets each released piece.
// The text keeps the leading space of its first piece (the decoder is
// primed with the prompt's last token). Errors: the engine's refusal
// (InvalidArgument: a prompt that leaves no room) or a failed forward pass.
Result<LocalGeneration> GenerateLocally(LocalEngine& local, std::vector<std::int32_t> prompt,
                                        const engine::SamplingParams& sampling,
                                        const engine::StopConditions& stop,
                                        const std::function<void(std::string_view)>& on_text);

}  // namespace citadel::cli

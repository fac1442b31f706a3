// A model loaded for one user at the terminal (`generate`, `run`): the
// runtime's ServedModel with an engine that runs one sequence, so the CLI
// generates through the same scheduler, sampler, stop conditions, limits and
// metrics as `serve`. GenerateLocally() runs one request and hands each piece
// of text to a callback as the OutputStage releases it.
//
// Thread-compatible: one CLI thread drives it; the engine runs its own
// thread (see engine/engine.h).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/request.h"
#include "engine/sampler.h"
#include "runtime/served_model.h"
#include "util/status.h"

namespace citadel::cli {

// Loads `path` with `context` tokens of context (0: the model's, at most
// 4096), `kv_cache_type` ("f16", "q8_0") and `threads` compute threads (0:
// all), for one request at a time. Errors name the file (runtime/served_model.h).
Result<std::unique_ptr<runtime::ServedModel>> LoadLocalEngine(const std::string& path, int context,
                                                              const std::string& kv_cache_type,
                                                              int threads);

// The reference engine's default sampling (temperature 0.8, top-k 40,
// top-p 0.95, min-p 0.05), shared by `generate` and `run`.
inline engine::SamplingParams ReferenceDefaultSampling() {
  engine::SamplingParams params;
  params.temperature = 0.8f;
  params.top_k = 40;
  params.top_p = 0.95f;
  params.min_p = 0.05f;
  return params;
}

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
Result<LocalGeneration> GenerateLocally(runtime::ServedModel& local,
                                        std::vector<std::int32_t> prompt,
                                        const engine::SamplingParams& sampling,
                                        const engine::StopConditions& stop,
                                        const std::function<void(std::string_view)>& on_text);

}  // namespace citadel::cli

#include "cli/local_engine.h"

#include <algorithm>
#include <chrono>
#include <utility>
#include <variant>

#include "engine/engine_options.h"
#include "engine/output_stage.h"

namespace citadel::cli {

Result<std::unique_ptr<runtime::ServedModel>> LoadLocalEngine(const std::string& path, int context,
                                                              const std::string& kv_cache_type,
                                                              int threads) {
  engine::EngineOptions options;
  options.max_running = 1;
  options.max_queue = 1;
  options.context_length = context;
  CITADEL_ASSIGN_OR_RETURN(options.kv_cache_type, runtime::ParseKvCacheType(kv_cache_type));
  return runtime::LoadServedModel({path, ""}, options, threads);
}

Result<LocalGeneration> GenerateLocally(runtime::ServedModel& local,
                                        std::vector<std::int32_t> prompt,
                                        const engine::SamplingParams& sampling,
                                        const engine::StopConditions& stop,
                                        const std::function<void(std::string_view)>& on_text) {
  LocalGeneration out;
  engine::StopConditions capped = stop;
  const int room = local.engine->layout().context_length - static_cast<int>(prompt.size());
  if (stop.max_tokens == 0 && room > 0) return out;
  capped.max_tokens = std::max(1, std::min(stop.max_tokens, room));
  const std::int32_t primer = prompt.empty() ? -1 : prompt.back();
  CITADEL_ASSIGN_OR_RETURN(auto stream, local.engine->Submit(std::move(prompt), sampling, capped));
  engine::OutputStage output(*local.engine, std::move(stream), capped.stop_strings, primer);
  while (auto event = output.Next(std::chrono::hours(1))) {
    std::string* text = nullptr;
    if (auto* token = std::get_if<engine::TokenEvent>(&*event)) {
      out.tokens.push_back(token->token_id);
      text = &token->text;
    } else {
      out.final_event = std::get<engine::FinalEvent>(std::move(*event));
      text = &out.final_event.text;
    }
    out.text += *text;
    if (!text->empty()) on_text(*text);
  }
  if (out.final_event.reason == engine::FinishReason::kError) return out.final_event.error;
  return out;
}

}  // namespace citadel::cli

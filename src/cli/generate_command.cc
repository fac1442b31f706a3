// `citadel generate -m MODEL -p TEXT -n N [--temp T] [--seed S] [--threads T] [--json]`:
// continues a prompt and prints the continuation only, streaming text as it
// is produced; --json prints one object at the end with text, token ids and
// timings (prompt and generation tokens per second). Generation runs
// through the Engine (cli/local_engine.h), as `serve` does.
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/command.h"
#include "cli/local_engine.h"
#include "engine/request.h"
#include "engine/sampler.h"

namespace citadel::cli {
namespace {

struct GenerateOptions {
  std::string model_path;
  std::string prompt;
  int max_tokens = 128;
  int threads = 0;
  int context = 0;
  std::string kv_cache_type = "f16";
  bool json = false;
  bool ignore_eos = false;
  engine::SamplingParams sampling;
};

struct Timings {
  int prompt_tokens = 0;
  double prompt_ms = 0;
  int generated_tokens = 0;
  double generation_ms = 0;
};

double PerSecond(int tokens, double ms) {
  return ms > 0 ? tokens * 1000.0 / ms : 0.0;
}

void PrintJson(const std::string& text, const std::vector<std::int32_t>& tokens, const Timings& t) {
  nlohmann::json out = {
      {"text", text},
      {"tokens", tokens},
      {"timings",
       {{"prompt_tokens", t.prompt_tokens},
        {"prompt_ms", t.prompt_ms},
        {"prompt_tokens_per_second", PerSecond(t.prompt_tokens, t.prompt_ms)},
        {"generated_tokens", t.generated_tokens},
        {"generation_ms", t.generation_ms},
        {"generation_tokens_per_second", PerSecond(t.generated_tokens, t.generation_ms)}}}};
  std::printf("%s\n", out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
}

// Through the Engine, as the server generates: same sampler, stop
// conditions, limits and metrics.
Status RunGenerate(const GenerateOptions& options) {
  CITADEL_ASSIGN_OR_RETURN(
      std::unique_ptr<runtime::ServedModel> local,
      LoadLocalEngine(options.model_path, options.context, options.kv_cache_type, options.threads));
  const std::vector<std::int32_t> prompt = local->tokenizer->Encode(options.prompt, true, false);
  if (prompt.empty()) return InvalidArgumentError("the prompt encodes to no tokens");
  engine::StopConditions stop;
  stop.max_tokens = options.max_tokens;
  stop.ignore_eos = options.ignore_eos;
  auto print = [&](std::string_view piece) {
    if (options.json) return;
    std::fwrite(piece.data(), 1, piece.size(), stdout);
    std::fflush(stdout);
  };
  CITADEL_ASSIGN_OR_RETURN(LocalGeneration out,
                           GenerateLocally(*local, prompt, options.sampling, stop, print));
  Timings timings;
  timings.prompt_tokens = static_cast<int>(prompt.size());
  timings.prompt_ms = out.final_event.timings.prompt_ms;
  timings.generated_tokens = static_cast<int>(out.tokens.size());
  timings.generation_ms = out.final_event.timings.generation_ms;
  if (options.json) {
    PrintJson(out.text, out.tokens, timings);
  } else {
    std::printf("\n");
  }
  return OkStatus();
}

}  // namespace

void RegisterGenerateCommand(CLI::App& app, CommandResult& result) {
  auto options = std::make_shared<GenerateOptions>();
  options->sampling = ReferenceDefaultSampling();
  CLI::App* cmd = app.add_subcommand("generate", "Continue a prompt and print the continuation");
  cmd->add_option("-m,--model", options->model_path, "GGUF model file")->required();
  cmd->add_option("-p,--prompt", options->prompt, "prompt text")->required();
  cmd->add_option("-n,--n-predict", options->max_tokens, "tokens to generate")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--temp", options->sampling.temperature, "temperature (0: greedy)");
  cmd->add_option("--top-k", options->sampling.top_k, "top-k (0: off)");
  cmd->add_option("--top-p", options->sampling.top_p, "top-p (1: off)");
  cmd->add_option("--min-p", options->sampling.min_p, "min-p (0: off)");
  cmd->add_option("--repeat-penalty", options->sampling.repetition_penalty,
                  "repetition penalty (1: off)");
  cmd->add_option("--presence-penalty", options->sampling.presence_penalty, "presence penalty");
  cmd->add_option("--frequency-penalty", options->sampling.frequency_penalty, "frequency penalty");
  cmd->add_option("--repeat-last-n", options->sampling.penalty_window, "penalty window in tokens");
  cmd->add_option("-s,--seed", options->sampling.seed, "sampling seed");
  cmd->add_option("-t,--threads", options->threads, "compute threads (0: all)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--kv-cache-type", options->kv_cache_type, "KV cache element type: f16 or q8_0");
  cmd->add_option("-c,--ctx-size", options->context, "context length (0: model's, at most 4096)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_flag("--ignore-eos", options->ignore_eos, "keep generating after end-of-generation");
  cmd->add_flag("--json", options->json, "print one JSON object with text, tokens and timings");
  cmd->callback([options, &result] { result.status = RunGenerate(*options); });
}

}  // namespace citadel::cli

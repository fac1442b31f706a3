// `citadel generate -m MODEL -p TEXT -n N [--temp T] [--seed S] [--threads T] [--json]`:
// continues a prompt and prints the continuation only, streaming text as it
// is produced; --json prints one object at the end with text, token ids and
// timings (prompt and generation tokens per second).
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/command.h"
#include "cli/sequence_driver.h"
#include "engine/sampler.h"
#include "kernels/kv_cache_type.h"
#include "model/model.h"
#include "tokenizer/tokenizer.h"

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

double MillisecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
      .count();
}

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

Status RunGenerate(const GenerateOptions& options) {
  model::LoadOptions load;
  load.threads = options.threads;
  load.context_length = options.context;
  CITADEL_ASSIGN_OR_RETURN(load.kv_cache_type, kernels::ParseKvCacheType(options.kv_cache_type));
  CITADEL_ASSIGN_OR_RETURN(auto model, model::Model::Load(options.model_path, load));
  CITADEL_ASSIGN_OR_RETURN(auto tokenizer, tokenizer::Tokenizer::FromGguf(model->file()));
  CITADEL_TRY(engine::ValidateSamplingParams(options.sampling, model->config().vocab_size));
  engine::Sampler sampler(options.sampling, model->config().vocab_size);
  const std::vector<std::int32_t> prompt = tokenizer->Encode(options.prompt, true, false);
  if (prompt.empty()) return InvalidArgumentError("the prompt encodes to no tokens");
  for (std::int32_t token : prompt) sampler.Accept(token);

  SequenceDriver driver(*model);
  Timings timings;
  timings.prompt_tokens = static_cast<int>(prompt.size());
  auto start = std::chrono::steady_clock::now();
  CITADEL_TRY(driver.Feed(prompt));
  timings.prompt_ms = MillisecondsSince(start);

  // Primed with the last prompt token, so the continuation keeps its leading
  // space (the decoder strips the SentencePiece space of a first piece only).
  tokenizer::StreamDecoder decoder(*tokenizer);
  (void)decoder.Push(prompt.back());
  std::vector<std::int32_t> generated;
  std::string text;
  start = std::chrono::steady_clock::now();
  for (int i = 0; i < options.max_tokens; ++i) {
    const std::int32_t token = sampler.Sample(driver.logits()).token;
    if (!options.ignore_eos && tokenizer->IsEndOfGeneration(token)) break;
    generated.push_back(token);
    sampler.Accept(token);
    const std::string piece = decoder.Push(token);
    text += piece;
    if (!options.json && !piece.empty()) {
      std::fwrite(piece.data(), 1, piece.size(), stdout);
      std::fflush(stdout);
    }
    if (i + 1 == options.max_tokens || driver.remaining() == 0) break;
    CITADEL_TRY(driver.Feed(std::span<const std::int32_t>(&token, 1)));
  }
  timings.generation_ms = MillisecondsSince(start);
  timings.generated_tokens = static_cast<int>(generated.size());
  const std::string rest = decoder.Flush();
  text += rest;
  if (options.json) {
    PrintJson(text, generated, timings);
  } else {
    std::printf("%s\n", rest.c_str());
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

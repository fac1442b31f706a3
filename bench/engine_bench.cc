// engine_bench: aggregate generation throughput of the engine with 1 and N
// concurrent streams, time to first token, and the time to first token of a
// request whose long system prompt is already in the prefix cache.
//
//   engine_bench MODEL.gguf [--threads 2] [--parallel 1,8] [--prompt 128]
//                [--gen 64] [--system 1000] [--max-batch-tokens 512]
//
// In-process (no HTTP): it measures the engine and the model, not the
// server. Prompts are random vocabulary ids (seeded), generation ignores
// end-of-generation tokens so every stream produces exactly --gen tokens.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "gguf/gguf_file.h"
#include "model/model.h"
#include "model/model_config.h"
#include "tokenizer/tokenizer.h"

namespace {

using citadel::engine::Engine;
using citadel::engine::FinalEvent;
using citadel::engine::TokenStream;

struct Args {
  std::string model;
  int threads = 2;
  std::vector<int> parallel = {1, 8};
  int prompt = 128;
  int gen = 64;
  int system = 1000;
  int max_batch_tokens = 512;
};

bool Parse(int argc, char** argv, Args& args) {
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    auto value = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (flag == "--threads")
      args.threads = std::atoi(value().c_str());
    else if (flag == "--prompt")
      args.prompt = std::atoi(value().c_str());
    else if (flag == "--gen")
      args.gen = std::atoi(value().c_str());
    else if (flag == "--system")
      args.system = std::atoi(value().c_str());
    else if (flag == "--max-batch-tokens")
      args.max_batch_tokens = std::atoi(value().c_str());
    else if (flag == "--parallel") {
      args.parallel.clear();
      std::string list = value();
      for (size_t pos = 0; pos < list.size();) {
        size_t comma = list.find(',', pos);
        if (comma == std::string::npos) comma = list.size();
        args.parallel.push_back(std::atoi(list.substr(pos, comma - pos).c_str()));
        pos = comma + 1;
      }
    } else if (args.model.empty() && flag[0] != '-')
      args.model = flag;
    else
      return false;
  }
  return !args.model.empty();
}

std::vector<std::int32_t> RandomTokens(std::mt19937& rng, int count, int vocab) {
  std::uniform_int_distribution<int> dist(10, vocab - 1);
  std::vector<std::int32_t> tokens(count);
  for (auto& t : tokens) t = dist(rng);
  return tokens;
}

FinalEvent DrainFinal(TokenStream& stream) {
  while (true) {
    auto event = stream.Next(std::chrono::milliseconds(600000));
    if (!event) return FinalEvent{};
    if (auto* final_event = std::get_if<FinalEvent>(&*event)) return *final_event;
  }
}

citadel::engine::StopConditions Length(int n) {
  citadel::engine::StopConditions stop;
  stop.max_tokens = n;
  stop.ignore_eos = true;
  return stop;
}

citadel::engine::SamplingParams Greedy() {
  citadel::engine::SamplingParams params;
  params.temperature = 0;
  return params;
}

double Percentile(std::vector<double> values, double q) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  size_t idx = static_cast<size_t>(q * (values.size() - 1) + 0.5);
  return values[std::min(idx, values.size() - 1)];
}

// N streams at once; returns aggregate generated tokens per second.
double RunParallel(citadel::model::Model& model, const citadel::tokenizer::Tokenizer& tok,
                   const citadel::engine::EngineOptions& options, const Args& args, int n) {
  auto engine = Engine::ForModel(model, tok, options);
  if (!engine.ok()) {
    std::fprintf(stderr, "engine: %s\n", engine.status().ToString().c_str());
    std::exit(1);
  }
  std::mt19937 rng(1234 + n);
  std::vector<std::vector<std::int32_t>> prompts;
  for (int i = 0; i < n; ++i)
    prompts.push_back(RandomTokens(rng, args.prompt, model.config().vocab_size));
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::shared_ptr<TokenStream>> streams;
  for (auto& prompt : prompts) {
    auto stream = (*engine)->Submit(prompt, Greedy(), Length(args.gen));
    if (!stream.ok()) {
      std::fprintf(stderr, "submit: %s\n", stream.status().ToString().c_str());
      std::exit(1);
    }
    streams.push_back(*stream);
  }
  std::vector<double> ttft, itl;
  int generated = 0;
  for (auto& stream : streams) {
    FinalEvent f = DrainFinal(*stream);
    generated += f.usage.completion_tokens;
    ttft.push_back(f.timings.time_to_first_token_ms);
    if (f.usage.completion_tokens > 1) {
      itl.push_back(f.timings.generation_ms / (f.usage.completion_tokens - 1));
    }
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double tps = generated / seconds;
  std::printf(
      "parallel %2d: %d tokens in %.2f s = %7.2f tok/s aggregate; TTFT p50 %.0f ms p99 %.0f "
      "ms; inter-token p50 %.1f ms\n",
      n, generated, seconds, tps, Percentile(ttft, 0.5), Percentile(ttft, 0.99),
      Percentile(itl, 0.5));
  return tps;
}

void RunSharedPrefix(citadel::model::Model& model, const citadel::tokenizer::Tokenizer& tok,
                     const citadel::engine::EngineOptions& options, const Args& args) {
  auto engine = Engine::ForModel(model, tok, options);
  std::mt19937 rng(99);
  const int vocab = model.config().vocab_size;
  std::vector<std::int32_t> system = RandomTokens(rng, args.system, vocab);
  double ttft[2] = {0, 0};
  int cached[2] = {0, 0};
  for (int i = 0; i < 2; ++i) {
    std::vector<std::int32_t> prompt = system;
    for (auto t : RandomTokens(rng, 24, vocab)) prompt.push_back(t);
    auto stream = (*engine)->Submit(prompt, Greedy(), Length(4));
    if (!stream.ok()) {
      std::fprintf(stderr, "submit: %s\n", stream.status().ToString().c_str());
      std::exit(1);
    }
    FinalEvent f = DrainFinal(**stream);
    ttft[i] = f.timings.time_to_first_token_ms;
    cached[i] = f.usage.cached_tokens;
  }
  std::printf(
      "shared %d-token system prompt: TTFT first %.0f ms, second %.0f ms (%d tokens "
      "cached) = %.1f%% of the first\n",
      args.system, ttft[0], ttft[1], cached[1], 100.0 * ttft[1] / ttft[0]);
}

}  // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // progress shows up even when piped
  Args args;
  if (!Parse(argc, argv, args)) {
    std::fprintf(stderr,
                 "usage: engine_bench MODEL.gguf [--threads T] [--parallel 1,8] "
                 "[--prompt N] [--gen N] [--system N] [--max-batch-tokens N]\n");
    return 2;
  }
  auto file = citadel::gguf::GgufFile::Open(args.model);
  if (!file.ok()) {
    std::fprintf(stderr, "%s\n", file.status().ToString().c_str());
    return 1;
  }
  auto config = citadel::model::ModelConfigFromGguf(*file);
  if (!config.ok()) {
    std::fprintf(stderr, "%s\n", config.status().ToString().c_str());
    return 1;
  }
  citadel::engine::EngineOptions options;
  options.max_batch_tokens = args.max_batch_tokens;
  int max_parallel = *std::max_element(args.parallel.begin(), args.parallel.end());
  options.max_running = std::max(16, max_parallel);
  options.context_length = std::max(args.prompt + args.gen, args.system + 32) + 16;
  options.kv_cache_memory_bytes = 0;
  auto load = citadel::engine::ModelLoadOptionsFor(*config, options, args.threads);
  if (!config.ok() || !load.ok()) {
    std::fprintf(stderr, "%s\n",
                 (config.ok() ? load.status() : config.status()).ToString().c_str());
    return 1;
  }
  auto model = citadel::model::Model::FromFile(std::move(file).value(), *load);
  if (!model.ok()) {
    std::fprintf(stderr, "%s\n", model.status().ToString().c_str());
    return 1;
  }
  auto tok = citadel::tokenizer::Tokenizer::FromGguf((*model)->file());
  if (!tok.ok()) {
    std::fprintf(stderr, "%s\n", tok.status().ToString().c_str());
    return 1;
  }
  std::printf("model %s, %d threads, KV %d blocks of %d, prompt %d, gen %d\n", args.model.c_str(),
              args.threads, load->kv_blocks, load->kv_block_size, args.prompt, args.gen);
  std::vector<double> tps;
  for (int n : args.parallel) tps.push_back(RunParallel(**model, **tok, options, args, n));
  if (tps.size() >= 2)
    std::printf("speed-up %d vs %d streams: %.2fx\n", args.parallel.back(), args.parallel.front(),
                tps.back() / tps.front());
  if (args.system > 0) RunSharedPrefix(**model, **tok, options, args);
  return 0;
}

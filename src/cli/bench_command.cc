// `citadel bench -m MODEL [-p 512] [-n 128] [-t T] [-r REPS] [--kv-cache-type f16|q8_0] [--json]`:
// prompt processing (one batch of p tokens) and generation (n tokens one at
// a time) speed in tokens per second, mean ± stddev over the repetitions
// after one warm-up run — the tests llama-bench calls ppN and tgN.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "cli/command.h"
#include "cli/sequence_driver.h"
#include "model/model.h"
#include "runtime/served_model.h"

namespace citadel::cli {
namespace {

struct BenchOptions {
  std::string model_path;
  int prompt_tokens = 512;
  int gen_tokens = 128;
  int threads = 0;
  int repetitions = 5;
  std::string kv_cache_type = "f16";
  bool json = false;
};

struct BenchResult {
  std::string test;  // "pp512", "tg128"
  int n_prompt = 0;
  int n_gen = 0;
  std::vector<double> samples_ts;
  double mean = 0;
  double stddev = 0;
};

void Summarize(BenchResult& r) {
  double sum = 0;
  for (double v : r.samples_ts) sum += v;
  r.mean = sum / static_cast<double>(r.samples_ts.size());
  double squares = 0;
  for (double v : r.samples_ts) squares += (v - r.mean) * (v - r.mean);
  r.stddev = r.samples_ts.size() > 1
                 ? std::sqrt(squares / static_cast<double>(r.samples_ts.size() - 1))
                 : 0;
}

std::vector<std::int32_t> RandomTokens(int count, int vocab, std::mt19937& rng) {
  std::uniform_int_distribution<int> pick(0, vocab - 1);
  std::vector<std::int32_t> tokens(static_cast<std::size_t>(count));
  for (auto& t : tokens) t = pick(rng);
  return tokens;
}

// Seconds for one run: prompt tokens in one batch, or gen tokens one by one.
Result<double> TimeRun(SequenceDriver& driver, const std::vector<std::int32_t>& tokens,
                       bool batched) {
  driver.Reset();
  const auto start = std::chrono::steady_clock::now();
  if (batched) {
    CITADEL_TRY(driver.Feed(tokens));
  } else {
    for (std::int32_t token : tokens)
      CITADEL_TRY(driver.Feed(std::span<const std::int32_t>(&token, 1)));
  }
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

Result<BenchResult> RunTest(SequenceDriver& driver, const BenchOptions& o, int vocab, bool prompt) {
  BenchResult r;
  const int count = prompt ? o.prompt_tokens : o.gen_tokens;
  r.test = (prompt ? "pp" : "tg") + std::to_string(count);
  (prompt ? r.n_prompt : r.n_gen) = count;
  std::mt19937 rng(42);
  const std::vector<std::int32_t> tokens = RandomTokens(count, vocab, rng);
  CITADEL_ASSIGN_OR_RETURN(double warmup, TimeRun(driver, tokens, prompt));
  (void)warmup;
  for (int rep = 0; rep < o.repetitions; ++rep) {
    CITADEL_ASSIGN_OR_RETURN(double seconds, TimeRun(driver, tokens, prompt));
    r.samples_ts.push_back(count / seconds);
  }
  Summarize(r);
  return r;
}

void Print(const BenchOptions& o, const model::Model& m, const std::vector<BenchResult>& results) {
  const double size_gib = static_cast<double>(m.file().bytes().size()) / (1024.0 * 1024.0 * 1024.0);
  if (o.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const BenchResult& r : results) {
      out.push_back({{"model", o.model_path},
                     {"model_size", m.file().bytes().size()},
                     {"n_threads", m.threads()},
                     {"type_k", o.kv_cache_type},
                     {"type_v", o.kv_cache_type},
                     {"test", r.test},
                     {"n_prompt", r.n_prompt},
                     {"n_gen", r.n_gen},
                     {"avg_ts", r.mean},
                     {"stddev_ts", r.stddev},
                     {"samples_ts", r.samples_ts}});
    }
    std::printf("%s\n", out.dump(2).c_str());
    return;
  }
  std::printf("| model | size | threads | test | t/s |\n| --- | ---: | ---: | ---: | ---: |\n");
  for (const BenchResult& r : results) {
    std::printf("| %s %s | %.2f GiB | %d | %s | %.2f ± %.2f |\n",
                m.config().architecture_name.c_str(), m.config().name.c_str(), size_gib,
                m.threads(), r.test.c_str(), r.mean, r.stddev);
  }
}

Status RunBench(const BenchOptions& o) {
  model::LoadOptions load;
  load.threads = o.threads;
  load.context_length = o.prompt_tokens + o.gen_tokens + 1;
  load.max_batch_tokens = std::max(1, o.prompt_tokens);
  CITADEL_ASSIGN_OR_RETURN(load.kv_cache_type, runtime::ParseKvCacheType(o.kv_cache_type));
  CITADEL_ASSIGN_OR_RETURN(runtime::ModelStack stack, runtime::LoadModelStack(o.model_path, load));
  std::unique_ptr<model::Model>& model = stack.model;
  SequenceDriver driver(*model);
  std::vector<BenchResult> results;
  const int vocab = model->config().vocab_size;
  if (o.prompt_tokens > 0) {
    CITADEL_ASSIGN_OR_RETURN(BenchResult r, RunTest(driver, o, vocab, true));
    results.push_back(std::move(r));
  }
  if (o.gen_tokens > 0) {
    CITADEL_ASSIGN_OR_RETURN(BenchResult r, RunTest(driver, o, vocab, false));
    results.push_back(std::move(r));
  }
  Print(o, *model, results);
  return OkStatus();
}

}  // namespace

void RegisterBenchCommand(CLI::App& app, CommandResult& result) {
  auto options = std::make_shared<BenchOptions>();
  CLI::App* cmd = app.add_subcommand("bench", "Measure prompt and generation tokens per second");
  cmd->add_option("-m,--model", options->model_path, "GGUF model file")->required();
  cmd->add_option("-p,--n-prompt", options->prompt_tokens, "prompt tokens (0: skip)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("-n,--n-gen", options->gen_tokens, "generated tokens (0: skip)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("-t,--threads", options->threads, "compute threads (0: all)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("-r,--repetitions", options->repetitions, "repetitions")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--kv-cache-type", options->kv_cache_type, "KV cache element type: f16 or q8_0");
  cmd->add_flag("--json", options->json, "print JSON");
  cmd->callback([options, &result] { result.status = RunBench(*options); });
}

}  // namespace citadel::cli

// Checks of the engine over a real model (synthetic in tests/unit, real tiny
// ones in tests/conformance): greedy output is the same alone, among many
// concurrent requests, after preemption and recompute, and on a prefix-cache
// hit. One engine at a time uses the model (they share its KV memory).
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "engine/engine.h"
#include "model/model.h"
#include "tokenizer/tokenizer.h"

namespace citadel::engine::testing {

struct Job {
  std::vector<std::int32_t> prompt;
  int max_tokens = 0;
  float temperature = 0;  // 0: greedy
  std::uint64_t seed = 0;
};

struct JobResult {
  std::vector<std::int32_t> tokens;
  FinalEvent final_event;
};

inline JobResult Drain(TokenStream& stream) {
  JobResult result;
  while (auto event = stream.Next(std::chrono::milliseconds(120000))) {
    if (auto* token = std::get_if<TokenEvent>(&*event)) {
      result.tokens.push_back(token->token_id);
    } else {
      result.final_event = std::get<FinalEvent>(std::move(*event));
      return result;
    }
  }
  ADD_FAILURE() << "stream " << stream.id() << " timed out";
  return result;
}

inline std::unique_ptr<Engine> StartEngine(model::Model& model, const tokenizer::Tokenizer& tok,
                                           ForwardPass& forward, EngineOptions options,
                                           int num_blocks = 0) {
  KvLayout layout = KvLayoutOf(model);
  if (num_blocks > 0) {
    layout.num_blocks = std::min(layout.num_blocks, num_blocks);
    layout.context_length =
        std::min(layout.context_length, layout.num_blocks * layout.block_tokens);
  }
  auto engine = Engine::Create(forward, tok, options, layout);
  EXPECT_TRUE(engine.ok()) << engine.status().ToString();
  return engine.ok() ? std::move(engine).value() : nullptr;
}

inline SamplingParams GreedyParams() {
  SamplingParams params;
  params.temperature = 0;
  return params;
}

inline SamplingParams ParamsOf(const Job& job) {
  SamplingParams params;
  params.temperature = job.temperature;
  params.seed = job.seed;
  return params;
}

inline StopConditions LengthOnly(int max_tokens) {
  StopConditions stop;
  stop.max_tokens = max_tokens;
  stop.ignore_eos = true;  // compare full-length outputs
  return stop;
}

// Each job alone (one in flight at a time) on a fresh engine.
inline std::vector<JobResult> RunOneByOne(model::Model& model, const tokenizer::Tokenizer& tok,
                                          const std::vector<Job>& jobs) {
  ModelForwardPass forward(model);
  auto engine = StartEngine(model, tok, forward, EngineOptions{});
  std::vector<JobResult> results;
  for (const Job& job : jobs) {
    auto stream = engine->Submit(job.prompt, ParamsOf(job), LengthOnly(job.max_tokens));
    EXPECT_TRUE(stream.ok()) << stream.status().ToString();
    results.push_back(Drain(**stream));
  }
  return results;
}

// Every job submitted at once.
inline std::vector<JobResult> RunConcurrently(model::Model& model, const tokenizer::Tokenizer& tok,
                                              const std::vector<Job>& jobs, EngineOptions options,
                                              int num_blocks, EngineMetrics* metrics) {
  ModelForwardPass forward(model);
  auto engine = StartEngine(model, tok, forward, options, num_blocks);
  std::vector<std::shared_ptr<TokenStream>> streams;
  for (const Job& job : jobs) {
    auto stream = engine->Submit(job.prompt, ParamsOf(job), LengthOnly(job.max_tokens));
    EXPECT_TRUE(stream.ok()) << stream.status().ToString();
    streams.push_back(*stream);
  }
  std::vector<JobResult> results;
  for (auto& stream : streams) results.push_back(Drain(*stream));
  if (metrics) *metrics = engine->Metrics();
  return results;
}

inline void ExpectSameTokens(const std::vector<JobResult>& expected,
                             const std::vector<JobResult>& actual, const std::string& what) {
  ASSERT_EQ(expected.size(), actual.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(actual[i].tokens, expected[i].tokens) << what << ": request " << i;
  }
}

// Sixteen requests of mixed prompt lengths and output lengths from `pool`.
inline std::vector<Job> MixedJobs(const std::vector<std::int32_t>& pool, int count, int max_prompt,
                                  int max_output) {
  std::vector<Job> jobs;
  for (int i = 0; i < count; ++i) {
    Job job;
    const int length = 2 + (i * 37) % (max_prompt - 1);
    for (int j = 0; j < length; ++j) job.prompt.push_back(pool[(i * 7 + j * 3) % pool.size()]);
    job.max_tokens = 4 + (i * 13) % (max_output - 3);
    jobs.push_back(std::move(job));
  }
  return jobs;
}

// The three identities the engine promises, over one model.
inline void CheckBatchingInvariance(model::Model& model, const tokenizer::Tokenizer& tok,
                                    const std::vector<Job>& jobs) {
  const std::vector<JobResult> alone = RunOneByOne(model, tok, jobs);
  for (size_t i = 0; i < jobs.size(); ++i) {
    ASSERT_EQ(alone[i].tokens.size(), static_cast<size_t>(jobs[i].max_tokens)) << "job " << i;
  }

  EngineOptions batched;
  batched.max_batch_tokens = 64;
  batched.max_running = 16;
  EngineMetrics metrics;
  ExpectSameTokens(alone, RunConcurrently(model, tok, jobs, batched, 0, &metrics), "16 concurrent");
  EXPECT_EQ(metrics.kv_blocks_used, 0);

  // A pool far smaller than the jobs need together: preemption and recompute.
  int largest = 0;
  for (const Job& job : jobs) {
    largest = std::max(largest, static_cast<int>(job.prompt.size()) + job.max_tokens);
  }
  const int tight_blocks = (largest + 15) / 16 + 3;
  ExpectSameTokens(alone, RunConcurrently(model, tok, jobs, batched, tight_blocks, &metrics),
                   "preempted");
  EXPECT_GT(metrics.preemptions, 0) << "the tight pool should have forced preemption";
  EXPECT_EQ(metrics.kv_blocks_used, 0);
}

// A request whose prompt shares a long prefix with an earlier one reuses its
// blocks and still produces what it produces on a cold cache.
inline void CheckPrefixHitMatchesMiss(model::Model& model, const tokenizer::Tokenizer& tok,
                                      const std::vector<std::int32_t>& system,
                                      const std::vector<std::int32_t>& question_a,
                                      const std::vector<std::int32_t>& question_b) {
  std::vector<std::int32_t> a = system;
  a.insert(a.end(), question_a.begin(), question_a.end());
  std::vector<std::int32_t> b = system;
  b.insert(b.end(), question_b.begin(), question_b.end());
  const JobResult miss = RunOneByOne(model, tok, {{b, 16}})[0];
  EXPECT_EQ(miss.final_event.usage.cached_tokens, 0);

  ModelForwardPass forward(model);
  auto engine = StartEngine(model, tok, forward, EngineOptions{});
  Drain(**engine->Submit(a, GreedyParams(), LengthOnly(8)));
  const JobResult hit = Drain(**engine->Submit(b, GreedyParams(), LengthOnly(16)));
  // Full blocks of the longest common prefix, leaving b's last token to compute.
  size_t common = 0;
  while (common < a.size() && common + 1 < b.size() && a[common] == b[common]) ++common;
  EXPECT_EQ(hit.final_event.usage.cached_tokens, static_cast<int>(common) / 16 * 16);
  EXPECT_GT(hit.final_event.usage.cached_tokens, 0);
  EXPECT_EQ(hit.tokens, miss.tokens);
  EXPECT_EQ(engine->Metrics().prefix_cache_hits, 1);
}

}  // namespace citadel::engine::testing

// The sampler chain: turns one row of logits into the next token.
//
//   logits -> logit bias -> repetition / presence / frequency penalties over
//   the last `penalty_window` tokens -> (temperature <= 0: greedy argmax)
//   -> top-k -> top-p -> min-p -> temperature -> draw with the request's RNG
//
// The truncations (top-k, top-p, min-p) act on the untempered distribution
// and temperature then reshapes what is left, as the reference engine's
// default chain does. Each request owns its Sampler and its seeded RNG, so a
// request's tokens never depend on what it is batched with (habit 6).
//
// Log-probabilities (chosen token and the top-N) are those of the model's
// distribution after bias and penalties, before truncation and temperature.
//
// Thread-compatible: one Sampler per request, used by one thread at a time.
#pragma once

#include <cstdint>
#include <random>
#include <span>
#include <utility>
#include <vector>

#include "util/status.h"

namespace citadel::engine {

struct SamplingParams {
  float temperature = 1.0f;         // <= 0: greedy
  int top_k = 0;                    // 0: off
  float top_p = 1.0f;               // 1: off
  float min_p = 0.0f;               // 0: off
  float repetition_penalty = 1.0f;  // 1: off; divides positive logits, multiplies negative
  float presence_penalty = 0.0f;    // subtracted once from every seen token
  float frequency_penalty = 0.0f;   // subtracted per occurrence
  int penalty_window = 64;          // how many recent tokens the penalties see
  std::vector<std::pair<std::int32_t, float>> logit_bias;  // token -> added value
  std::uint64_t seed = 0;
  int top_logprobs = 0;  // N most likely tokens to report (0..20)
};

// InvalidArgument naming the field for out-of-range values (negative top_k,
// top_p outside (0, 1], min_p outside [0, 1], repetition_penalty <= 0,
// negative window, top_logprobs outside 0..20, a bias token outside the
// vocabulary).
Status ValidateSamplingParams(const SamplingParams& params, int vocab_size);

struct TokenLogprob {
  std::int32_t token = 0;
  float logprob = 0.0f;
};

struct SampledToken {
  std::int32_t token = 0;
  float logprob = 0.0f;           // of the chosen token
  std::vector<TokenLogprob> top;  // top_logprobs entries, most likely first
};

class Sampler {
 public:
  // `params` must pass ValidateSamplingParams (programmer error otherwise).
  Sampler(SamplingParams params, int vocab_size);

  // Records a token (prompt or generated) for the penalties. `token` must be
  // inside the vocabulary (Engine::Submit checks prompts once; sampled ids
  // are by construction), so the per-token penalty pass trusts it.
  void Accept(std::int32_t token);
  // Forgets the recorded tokens (new conversation).
  void ResetHistory() { history_.clear(); }

  // Picks the next token from `logits` [vocab_size].
  SampledToken Sample(std::span<const float> logits);

  const SamplingParams& params() const { return params_; }

 private:
  struct Candidate {
    float logit;
    std::int32_t token;
  };
  void ApplyPenalties();
  void FillLogprobs(SampledToken& result);
  std::int32_t Draw();

  SamplingParams params_;
  int vocab_size_;
  std::mt19937_64 rng_;
  std::vector<std::int32_t> history_;  // most recent last, at most penalty_window
  std::vector<float> adjusted_;        // [vocab] logits after bias and penalties
  std::vector<Candidate> candidates_;  // [vocab] working set
  std::vector<std::int32_t> counts_;   // [vocab] occurrences in the window
};

}  // namespace citadel::engine

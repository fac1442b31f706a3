#include "engine/sampler.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>
#include <string>

namespace citadel::engine {
namespace {

constexpr int kMaxTopLogprobs = 20;

bool ByLogitDescending(const auto& a, const auto& b) {
  return a.logit > b.logit || (a.logit == b.logit && a.token < b.token);
}

}  // namespace

Status ValidateSamplingParams(const SamplingParams& p, int vocab_size) {
  auto bad = [](const std::string& what) { return InvalidArgumentError("sampling: " + what); };
  if (!std::isfinite(p.temperature)) return bad("temperature must be finite");
  if (p.top_k < 0) return bad("top_k must be >= 0, got " + std::to_string(p.top_k));
  if (!(p.top_p > 0.0f && p.top_p <= 1.0f)) return bad("top_p must be in (0, 1]");
  if (!(p.min_p >= 0.0f && p.min_p <= 1.0f)) return bad("min_p must be in [0, 1]");
  if (!(p.repetition_penalty > 0.0f) || !std::isfinite(p.repetition_penalty)) {
    return bad("repetition_penalty must be > 0");
  }
  if (!std::isfinite(p.presence_penalty) || !std::isfinite(p.frequency_penalty)) {
    return bad("presence and frequency penalties must be finite");
  }
  if (p.penalty_window < 0) return bad("penalty_window must be >= 0");
  if (p.top_logprobs < 0 || p.top_logprobs > kMaxTopLogprobs) {
    return bad("top_logprobs must be in 0..20, got " + std::to_string(p.top_logprobs));
  }
  for (const auto& [token, bias] : p.logit_bias) {
    if (token < 0 || token >= vocab_size) {
      return bad("logit_bias token " + std::to_string(token) + " is outside the vocabulary");
    }
    if (std::isnan(bias)) return bad("logit_bias value is NaN");
  }
  return OkStatus();
}

Sampler::Sampler(SamplingParams params, int vocab_size)
    : params_(std::move(params)),
      vocab_size_(vocab_size),
      rng_(params_.seed),
      adjusted_(static_cast<std::size_t>(vocab_size)),
      candidates_(static_cast<std::size_t>(vocab_size)),
      counts_(static_cast<std::size_t>(vocab_size), 0) {
  assert(ValidateSamplingParams(params_, vocab_size).ok());
  history_.reserve(static_cast<std::size_t>(params_.penalty_window) + 1);
}

void Sampler::Accept(std::int32_t token) {
  if (params_.penalty_window == 0) return;
  if (static_cast<int>(history_.size()) == params_.penalty_window) history_.erase(history_.begin());
  history_.push_back(token);
}

void Sampler::ApplyPenalties() {
  const SamplingParams& p = params_;
  if (p.repetition_penalty == 1.0f && p.presence_penalty == 0.0f && p.frequency_penalty == 0.0f) {
    return;
  }
  for (std::int32_t token : history_) ++counts_[static_cast<std::size_t>(token)];
  for (std::int32_t token : history_) {
    std::int32_t& count = counts_[static_cast<std::size_t>(token)];
    if (count == 0) continue;  // already applied for this token
    float& logit = adjusted_[static_cast<std::size_t>(token)];
    logit = logit > 0.0f ? logit / p.repetition_penalty : logit * p.repetition_penalty;
    logit -= static_cast<float>(count) * p.frequency_penalty + p.presence_penalty;
    count = 0;
  }
}

void Sampler::FillLogprobs(SampledToken& result) {
  float max_logit = -std::numeric_limits<float>::infinity();
  for (float v : adjusted_) max_logit = std::max(max_logit, v);
  double sum = 0.0;
  for (float v : adjusted_) sum += std::exp(static_cast<double>(v - max_logit));
  const float log_z = max_logit + static_cast<float>(std::log(sum));
  result.logprob = adjusted_[static_cast<std::size_t>(result.token)] - log_z;
  const int n = std::min(params_.top_logprobs, vocab_size_);
  if (n == 0) return;
  for (int i = 0; i < vocab_size_; ++i) {
    candidates_[static_cast<std::size_t>(i)] = {adjusted_[static_cast<std::size_t>(i)], i};
  }
  std::partial_sort(candidates_.begin(), candidates_.begin() + n, candidates_.end(),
                    ByLogitDescending<Candidate, Candidate>);
  result.top.resize(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    const Candidate& c = candidates_[static_cast<std::size_t>(i)];
    result.top[static_cast<std::size_t>(i)] = {c.token, c.logit - log_z};
  }
}

SampledToken Sampler::Sample(std::span<const float> logits) {
  assert(static_cast<int>(logits.size()) == vocab_size_);
  std::copy(logits.begin(), logits.end(), adjusted_.begin());
  for (const auto& [token, bias] : params_.logit_bias)
    adjusted_[static_cast<std::size_t>(token)] += bias;
  ApplyPenalties();
  SampledToken result;
  if (params_.temperature <= 0.0f) {
    result.token = static_cast<std::int32_t>(std::max_element(adjusted_.begin(), adjusted_.end()) -
                                             adjusted_.begin());
  } else {
    result.token = Draw();
  }
  FillLogprobs(result);
  return result;
}

// top-k -> top-p -> min-p on the untempered distribution, then temperature
// and a draw from what is left.
std::int32_t Sampler::Draw() {
  std::size_t n = static_cast<std::size_t>(vocab_size_);
  for (std::size_t i = 0; i < n; ++i) candidates_[i] = {adjusted_[i], static_cast<std::int32_t>(i)};
  if (params_.top_k > 0 && static_cast<std::size_t>(params_.top_k) < n) {
    n = static_cast<std::size_t>(params_.top_k);
    std::partial_sort(candidates_.begin(), candidates_.begin() + static_cast<std::ptrdiff_t>(n),
                      candidates_.end(), ByLogitDescending<Candidate, Candidate>);
  } else {
    std::sort(candidates_.begin(), candidates_.end(), ByLogitDescending<Candidate, Candidate>);
  }
  const float max_logit = candidates_[0].logit;
  double sum = 0.0;
  for (std::size_t i = 0; i < n; ++i)
    sum += std::exp(static_cast<double>(candidates_[i].logit - max_logit));
  if (params_.top_p < 1.0f) {
    double cumulative = 0.0;
    std::size_t keep = n;
    for (std::size_t i = 0; i < n; ++i) {
      cumulative += std::exp(static_cast<double>(candidates_[i].logit - max_logit)) / sum;
      if (cumulative >= params_.top_p) {
        keep = i + 1;
        break;
      }
    }
    n = keep;
  }
  if (params_.min_p > 0.0f) {
    // p_i >= min_p * p_max  <=>  logit_i >= max_logit + log(min_p).
    const float threshold = max_logit + std::log(params_.min_p);
    std::size_t keep = 1;
    while (keep < n && candidates_[keep].logit >= threshold) ++keep;
    n = keep;
  }
  const double inv_temperature = 1.0 / static_cast<double>(params_.temperature);
  double total = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    total += std::exp((static_cast<double>(candidates_[i].logit) - max_logit) * inv_temperature);
  }
  // A uniform double in [0, 1) from the top 53 bits: identical on every platform.
  const double u = static_cast<double>(rng_() >> 11) * 0x1.0p-53 * total;
  double cumulative = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    cumulative +=
        std::exp((static_cast<double>(candidates_[i].logit) - max_logit) * inv_temperature);
    if (u < cumulative) return candidates_[i].token;
  }
  return candidates_[n - 1].token;
}

}  // namespace citadel::engine

#include "engine/engine.h"

#include <algorithm>
#include <string>
#include <utility>

namespace citadel::engine {
namespace {

double MillisBetween(EngineClock::time_point from, EngineClock::time_point to) {
  return std::chrono::duration<double, std::milli>(to - from).count();
}

}  // namespace

Result<std::unique_ptr<Engine>> Engine::Create(ForwardPass& forward,
                                               const tokenizer::Tokenizer& tok,
                                               const EngineOptions& options,
                                               const KvLayout& layout) {
  return Start(nullptr, forward, tok, options, layout);
}

Result<std::unique_ptr<Engine>> Engine::ForModel(model::Model& model,
                                                 const tokenizer::Tokenizer& tok,
                                                 const EngineOptions& options) {
  auto forward = std::make_unique<ModelForwardPass>(model);
  ForwardPass& ref = *forward;
  return Start(std::move(forward), ref, tok, options, KvLayoutOf(model));
}

Result<std::unique_ptr<Engine>> Engine::Start(std::unique_ptr<ForwardPass> owned,
                                              ForwardPass& forward, const tokenizer::Tokenizer& tok,
                                              const EngineOptions& options,
                                              const KvLayout& layout) {
  CITADEL_TRY(ValidateEngineOptions(options));
  if (layout.num_blocks < 1 || layout.block_tokens < 1 || layout.context_length < 2) {
    return InvalidArgumentError(
        "engine KV layout needs at least one block and a context of 2+ "
        "tokens, got " +
        std::to_string(layout.num_blocks) + " blocks, " + std::to_string(layout.context_length) +
        " tokens");
  }
  if (forward.vocab_size() < 1) return InvalidArgumentError("model has an empty vocabulary");
  std::unique_ptr<Engine> engine(new Engine(forward, tok, options, layout));
  engine->owned_forward_ = std::move(owned);
  engine->thread_ = std::thread(&Engine::Run, engine.get());
  return engine;
}

Engine::Engine(ForwardPass& forward, const tokenizer::Tokenizer& tok, const EngineOptions& options,
               const KvLayout& layout)
    : forward_(forward),
      tok_(tok),
      options_(options),
      layout_(layout),
      vocab_size_(forward.vocab_size()),
      kv_(layout.num_blocks, layout.block_tokens, layout.model_seed),
      scheduler_({options.max_batch_tokens, options.max_running}, kv_) {
  const size_t max_logit_rows = static_cast<size_t>(options.max_running);
  logits_.resize(max_logit_rows * static_cast<size_t>(vocab_size_));
  sampled_.reserve(max_logit_rows);
  batch_.Clear();
  batch_.token_ids.reserve(options.max_batch_tokens);
  batch_.positions.reserve(options.max_batch_tokens);
  batch_.sequence_idx.reserve(options.max_batch_tokens);
  batch_.wants_logits.reserve(options.max_batch_tokens);
  counters_.kv_blocks_total = layout.num_blocks;
  counters_.kv_block_tokens = layout.block_tokens;
  published_ = counters_;
}

Engine::~Engine() {
  Stop();
}

Status Engine::ValidateRequest(std::span<const std::int32_t> prompt, const SamplingParams& sampling,
                               const StopConditions& stop) const {
  if (prompt.empty()) return InvalidArgumentError("the prompt is empty");
  for (size_t i = 0; i < prompt.size(); ++i) {
    if (prompt[i] < 0 || prompt[i] >= vocab_size_) {
      return InvalidArgumentError("prompt token " + std::to_string(prompt[i]) + " at index " +
                                  std::to_string(i) + " is outside the vocabulary of " +
                                  std::to_string(vocab_size_) + " tokens");
    }
  }
  CITADEL_TRY(ValidateSamplingParams(sampling, vocab_size_));
  if (stop.max_tokens < 0) {
    return InvalidArgumentError("max_tokens must not be negative, got " +
                                std::to_string(stop.max_tokens));
  }
  const std::int64_t prompt_tokens = static_cast<std::int64_t>(prompt.size());
  const std::string context = "the context of " + std::to_string(layout_.context_length) +
                              " tokens (KV cache: " + std::to_string(layout_.num_blocks) +
                              " blocks of " + std::to_string(layout_.block_tokens) + ")";
  if (prompt_tokens >= layout_.context_length) {
    return InvalidArgumentError("the prompt has " + std::to_string(prompt_tokens) +
                                " tokens and leaves no room to generate in " + context);
  }
  if (prompt_tokens + stop.max_tokens > layout_.context_length) {
    return InvalidArgumentError("the prompt has " + std::to_string(prompt_tokens) +
                                " tokens; with max_tokens " + std::to_string(stop.max_tokens) +
                                " that exceeds " + context + "; lower max_tokens");
  }
  return OkStatus();
}

Result<std::shared_ptr<TokenStream>> Engine::Submit(std::vector<std::int32_t> prompt,
                                                    const SamplingParams& sampling,
                                                    const StopConditions& stop) {
  if (Status status = ValidateRequest(prompt, sampling, stop); !status.ok()) {
    std::lock_guard lock(mu_);
    ++rejected_;
    return status;
  }
  SequenceState seq;
  seq.num_prompt_tokens = static_cast<int>(prompt.size());
  seq.max_total_tokens =
      stop.max_tokens > 0 ? seq.num_prompt_tokens + stop.max_tokens : layout_.context_length;
  seq.tokens = std::move(prompt);
  std::shared_ptr<TokenStream> stream;
  {
    std::lock_guard lock(mu_);
    if (stopping_) return UnavailableError("the engine is shutting down");
    const int queued = static_cast<int>(inbox_.size()) + published_waiting_;
    if (queued >= options_.max_queue) {
      ++rejected_;
      return ResourceExhaustedError("overloaded: " + std::to_string(queued) +
                                    " requests are already waiting (max-queue " +
                                    std::to_string(options_.max_queue) + "); retry later");
    }
    seq.id = next_id_++;
    seq.arrival = seq.id;
    stream = std::make_shared<TokenStream>(seq.id);
    auto request =
        std::make_unique<ActiveRequest>(std::move(seq), sampling, vocab_size_, stop, stream);
    request->submitted = EngineClock::now();
    inbox_.push_back(std::move(request));
    ++submitted_;
  }
  wake_.notify_one();
  return stream;
}

void Engine::Cancel(RequestId id) {
  {
    std::lock_guard lock(mu_);
    ends_.emplace_back(id, FinishReason::kCancelled);
  }
  wake_.notify_one();
}

void Engine::EndRequest(RequestId id) {
  {
    std::lock_guard lock(mu_);
    ends_.emplace_back(id, FinishReason::kStop);
  }
  wake_.notify_one();
}

void Engine::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_one();
  std::lock_guard join_lock(join_mu_);
  if (thread_.joinable()) thread_.join();
}

bool Engine::Stopping() const {
  std::lock_guard lock(mu_);
  return stopping_;
}

EngineMetrics Engine::Metrics() const {
  std::lock_guard lock(mu_);
  return published_;
}

void Engine::Run() {
  while (TakeInbox()) {
    if (!idle_ && scheduler_.num_running() + scheduler_.num_waiting() > 0) Step();
  }
  CancelAll();
}

bool Engine::TakeInbox() {
  std::vector<std::unique_ptr<ActiveRequest>> incoming;
  std::vector<std::pair<RequestId, FinishReason>> ends;
  {
    std::unique_lock lock(mu_);
    wake_.wait(lock, [this] {
      const bool has_work = !idle_ && scheduler_.num_running() + scheduler_.num_waiting() > 0;
      return stopping_ || !inbox_.empty() || !ends_.empty() || has_work;
    });
    if (stopping_) return false;
    incoming.swap(inbox_);
    ends.swap(ends_);
  }
  if (incoming.empty() && ends.empty()) return true;
  idle_ = false;
  for (auto& request : incoming) AdmitSubmission(std::move(request));
  for (const auto& [id, reason] : ends) {
    if (auto it = active_.find(id); it != active_.end()) Finish(*it->second, reason);
  }
  if (!ends.empty()) PublishStep();
  return true;
}

void Engine::AdmitSubmission(std::unique_ptr<ActiveRequest> request) {
  ActiveRequest& r = *request;
  active_.emplace(r.seq.id, std::move(request));
  counters_.prompt_tokens += r.seq.num_prompt_tokens;
  for (std::int32_t token : r.seq.tokens) r.sampler.Accept(token);
  scheduler_.Add(&r.seq);
  // Submit checked the context; this guards the pool size (they agree by construction).
  if (Status fits = scheduler_.CheckFits(r.seq.max_total_tokens); !fits.ok()) {
    Finish(r, FinishReason::kError, fits);
  }
}

// schedule -> forward -> sample -> update
void Engine::Step() {
  const SchedulerOutput& plan = scheduler_.Schedule();
  if (plan.empty()) {
    idle_ = true;
    return PublishStep();
  }
  if (Status status = RunForward(plan); !status.ok()) {
    FailBatch(plan, status);
    return PublishStep();
  }
  scheduler_.OnStepComputed();
  SampleTokens(plan);
  PublishStep();
}

Status Engine::RunForward(const SchedulerOutput& plan) {
  batch_.Clear();
  const EngineClock::time_point now = EngineClock::now();
  for (const ScheduledSequence& s : plan.sequences) {
    const int sequence_idx = batch_.AddSequence(kv_.BlockTable(s.seq->id));
    const int end = s.start + s.num_tokens;
    for (int position = s.start; position < end; ++position) {
      batch_.AddToken(s.seq->tokens[position], position, sequence_idx,
                      s.needs_logits && position == end - 1);
    }
    if (s.seq->state == RequestState::kDecoding) {
      counters_.prefill_tokens_computed += s.num_tokens - 1;
    } else {
      counters_.prefill_tokens_computed += s.num_tokens;
    }
    ActiveRequest& r = *active_.at(s.seq->id);
    if (!r.first_scheduled) r.first_scheduled = now;
  }
  const size_t rows = static_cast<size_t>(batch_.num_logits());
  ++counters_.steps;
  return forward_.Forward(batch_, std::span<float>(logits_).first(rows * vocab_size_));
}

void Engine::SampleTokens(const SchedulerOutput& plan) {
  size_t row = 0;
  for (const ScheduledSequence& s : plan.sequences) {
    if (!s.needs_logits) continue;
    ActiveRequest& r = *active_.at(s.seq->id);
    const auto logits = std::span<const float>(logits_).subspan(row++ * vocab_size_, vocab_size_);
    AppendToken(r, r.sampler.Sample(logits));
  }
}

void Engine::AppendToken(ActiveRequest& r, const SampledToken& sampled) {
  const EngineClock::time_point now = EngineClock::now();
  const std::int32_t token = sampled.token;
  r.seq.tokens.push_back(token);
  r.seq.state = RequestState::kDecoding;
  r.sampler.Accept(token);
  ++counters_.generated_tokens;
  if (!r.first_token) {
    r.first_token = now;
    counters_.time_to_first_token.Observe(MillisBetween(r.submitted, now));
  } else {
    counters_.inter_token_latency.Observe(MillisBetween(r.last_token, now));
  }
  r.last_token = now;

  const bool end_of_generation =
      (!r.stop.ignore_eos && tok_.IsEndOfGeneration(token)) ||
      std::ranges::find(r.stop.stop_token_ids, token) != r.stop.stop_token_ids.end();
  if (end_of_generation) return Finish(r, FinishReason::kStop);

  TokenEvent event;
  event.token_id = token;
  event.logprob = sampled.logprob;
  event.top_logprobs = sampled.top;
  r.stream->Push(std::move(event));
  const bool out_of_budget =
      (r.stop.max_tokens > 0 && r.seq.num_output_tokens() >= r.stop.max_tokens) ||
      static_cast<int>(r.seq.tokens.size()) >= r.seq.max_total_tokens;
  if (out_of_budget) Finish(r, FinishReason::kLength);
}

void Engine::Finish(ActiveRequest& r, FinishReason reason, Status error) {
  const EngineClock::time_point now = EngineClock::now();
  FinalEvent& final_event = r.final_event;
  final_event.reason = reason;
  final_event.error = std::move(error);
  final_event.usage.prompt_tokens = r.seq.num_prompt_tokens;
  final_event.usage.completion_tokens = r.seq.num_output_tokens();
  final_event.usage.cached_tokens = r.seq.num_cached_tokens;
  RequestTimings& t = final_event.timings;
  const EngineClock::time_point scheduled = r.first_scheduled.value_or(now);
  const EngineClock::time_point first_token = r.first_token.value_or(now);
  t.queue_ms = MillisBetween(r.submitted, scheduled);
  t.time_to_first_token_ms = r.first_token ? MillisBetween(r.submitted, first_token) : 0;
  t.prompt_ms = MillisBetween(scheduled, first_token);
  t.generation_ms = MillisBetween(first_token, now);
  t.total_ms = MillisBetween(r.submitted, now);
  t.preemptions = r.seq.num_preemptions;
  counters_.end_to_end_latency.Observe(t.total_ms);
  switch (reason) {
    case FinishReason::kStop:
      ++counters_.requests_finished_stop;
      break;
    case FinishReason::kLength:
      ++counters_.requests_finished_length;
      break;
    case FinishReason::kCancelled:
      ++counters_.requests_cancelled;
      break;
    case FinishReason::kError:
      ++counters_.requests_failed;
      break;
  }
  r.seq.state = RequestState::kFinished;
  scheduler_.Remove(&r.seq);
  auto it = active_.find(r.seq.id);
  finished_.push_back(std::move(it->second));
  active_.erase(it);
}

void Engine::FailBatch(const SchedulerOutput& plan, const Status& error) {
  std::vector<RequestId> ids;
  for (const ScheduledSequence& s : plan.sequences) ids.push_back(s.seq->id);
  for (RequestId id : ids) {
    Finish(*active_.at(id), FinishReason::kError, error.WithContext("forward pass failed"));
  }
}

void Engine::CancelAll() {
  std::vector<std::unique_ptr<ActiveRequest>> incoming;
  {
    std::lock_guard lock(mu_);
    incoming.swap(inbox_);
  }
  for (auto& request : incoming) AdmitSubmission(std::move(request));
  while (!active_.empty()) Finish(*active_.begin()->second, FinishReason::kCancelled);
  PublishStep();
}

void Engine::PublishStep() {
  const KvCacheManager& kv = scheduler_.kv();
  counters_.running_sequences = scheduler_.num_running();
  counters_.kv_blocks_used = kv.pool().num_used();
  counters_.kv_blocks_cached = kv.pool().num_cached_unreferenced();
  counters_.prefix_cache_queries = kv.prefix_counters().queries;
  counters_.prefix_cache_hits = kv.prefix_counters().hits;
  counters_.prefix_cache_query_tokens = kv.prefix_counters().query_tokens;
  counters_.prefix_cache_hit_tokens = kv.prefix_counters().hit_tokens;
  counters_.preemptions = scheduler_.num_preemptions();
  {
    std::lock_guard lock(mu_);
    published_waiting_ = scheduler_.num_waiting();
    published_ = counters_;
    published_.queue_length = published_waiting_ + static_cast<int>(inbox_.size());
    published_.requests_submitted = submitted_;
    published_.requests_rejected = rejected_;
  }
  // Final events go out after the snapshot, so a consumer that sees its
  // request end also sees the blocks it held returned.
  for (auto& request : finished_) request->stream->Finish(std::move(request->final_event));
  finished_.clear();
}

}  // namespace citadel::engine

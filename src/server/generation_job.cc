#include "server/generation_job.h"

#include <variant>

namespace citadel::server {

GenerationJob::GenerationJob(ServedModel& model, const GenerationRequest& request,
                             ResponseMeta meta)
    : model_(model), request_(request), meta_(std::move(meta)) {}

Result<std::unique_ptr<GenerationJob>> GenerationJob::Start(ServedModel& model,
                                                            const GenerationRequest& request,
                                                            ResponseMeta meta,
                                                            std::vector<ChoicePlan> plans,
                                                            security::PolicyEnforcer* policy) {
  std::unique_ptr<GenerationJob> job(new GenerationJob(model, request, std::move(meta)));
  job->policy_ = policy;
  for (ChoicePlan& plan : plans) {
    engine::SamplingParams sampling = request.sampling;
    sampling.seed = plan.seed;
    // On a refusal the job's destructor cancels what was already submitted.
    const int prompt_tokens = static_cast<int>(plan.prompt.size());
    CITADEL_ASSIGN_OR_RETURN(std::shared_ptr<engine::TokenStream> stream,
                             model.engine->Submit(std::move(plan.prompt), sampling, request.stop));
    job->choices_.push_back(
        {engine::OutputStage(*model.engine, std::move(stream), request.stop.stop_strings),
         std::move(plan.echo)});
    job->choices_.back().prompt_tokens = prompt_tokens;
    if (policy != nullptr) job->choices_.back().filter = policy->NewOutputFilter();
  }
  return job;
}

GenerationJob::~GenerationJob() {
  for (Choice& choice : choices_) {
    if (!choice.final) model_.engine->Cancel(choice.output.id());
  }
}

void GenerationJob::SetNotify(const std::function<void()>& notify) {
  for (Choice& choice : choices_) choice.output.SetNotify(notify);
}

void GenerationJob::SetTokenMeter(std::unique_ptr<TokenMeter> meter) {
  meter_ = std::move(meter);
  std::int64_t prompts = 0;
  for (size_t i = 0; i < choices_.size(); ++i) {
    // n choices of one prompt count it once, as TotalUsage does.
    if (!(request_.n > 1 && i % request_.n != 0)) prompts += choices_[i].prompt_tokens;
  }
  // A prompt that spends the budget ends the job at the next Poll, which
  // carries the frames.
  budget_spent_ = !meter_->Charge(prompts);
}

// A spent budget ends each unfinished choice as if it had reached
// max_tokens: the engine request is cancelled and the choice finishes with
// "length" and the tokens it produced so far.
void GenerationJob::Meter(int tokens, JobOutput& out) {
  if (!meter_) return;
  if (!budget_spent_ && (tokens == 0 || meter_->Charge(tokens))) return;
  for (size_t i = 0; i < choices_.size(); ++i) {
    Choice& choice = choices_[i];
    if (choice.final) continue;
    model_.engine->Cancel(choice.output.id());
    engine::FinalEvent end;
    end.reason = engine::FinishReason::kLength;
    end.usage = {choice.prompt_tokens, choice.completion_tokens, 0};
    OnFinal(static_cast<int>(i), std::move(end), out);
  }
  meter_.reset();  // nothing more to charge
}

void GenerationJob::Cancel(ApiError why) {
  if (done_ || cancel_reason_) return;
  cancel_reason_ = std::move(why);
  for (Choice& choice : choices_) {
    if (!choice.final) model_.engine->Cancel(choice.output.id());
  }
}

TokenLogprobInfo GenerationJob::LogprobsOf(const engine::TokenEvent& event) const {
  TokenLogprobInfo info;
  info.token = model_.tokenizer->TokenPiece(event.token_id);
  info.logprob = event.logprob;
  for (const engine::TokenLogprob& top : event.top_logprobs) {
    info.top.emplace_back(model_.tokenizer->TokenPiece(top.token), top.logprob);
  }
  return info;
}

std::string GenerationJob::Filter(Choice& choice, std::string text, bool last) {
  if (!choice.filter) return text;
  security::FilterChunk chunk = choice.filter->Push(text);
  if (last && !chunk.stopped) {
    security::FilterChunk rest = choice.filter->Finish();
    chunk.text += rest.text;
    chunk.stopped = rest.stopped;
    chunk.term_ids.insert(chunk.term_ids.end(), rest.term_ids.begin(), rest.term_ids.end());
  }
  if (policy_ != nullptr) policy_->CountOutput(chunk);
  if (chunk.stopped && !choice.content_filtered) {
    choice.content_filtered = true;
    // The rest of the answer is not wanted: free its KV blocks now.
    if (!last) model_.engine->Cancel(choice.output.id());
  }
  return std::move(chunk.text);
}

std::string GenerationJob::FinishReason(const Choice& choice) const {
  if (choice.content_filtered) return "content_filter";
  return std::string(engine::FinishReasonName(choice.final->reason));
}

void GenerationJob::OnToken(int index, engine::TokenEvent event, JobOutput& out) {
  Choice& choice = choices_[index];
  ++choice.completion_tokens;
  if (choice.content_filtered) return;  // tokens still queued after a stop
  event.text = Filter(choice, std::move(event.text), false);
  if (!request_.stream) {
    choice.text += event.text;
    if (request_.logprobs) choice.logprobs.push_back(LogprobsOf(event));
    return;
  }
  ChunkDelta delta;
  delta.index = index;
  delta.text = std::move(event.text);
  if (request_.logprobs) {
    delta.has_logprobs = true;
    delta.logprobs.push_back(LogprobsOf(event));
  }
  if (delta.text.empty() && !delta.has_logprobs) return;
  if (index == 0) summary_.text += delta.text;
  out.frames.push_back(SseData(ChunkJson(meta_, delta, request_.include_usage)));
}

void GenerationJob::OnFinal(int index, engine::FinalEvent event, JobOutput& out) {
  Choice& choice = choices_[index];
  if (!choice.content_filtered) event.text = Filter(choice, std::move(event.text), true);
  const bool good = choice.content_filtered || event.reason == engine::FinishReason::kStop ||
                    event.reason == engine::FinishReason::kLength;
  std::string tail_text = std::move(event.text);
  choice.final = std::move(event);
  if (!request_.stream || !good) {
    choice.text += tail_text;
    return;
  }
  if (!tail_text.empty()) {
    ChunkDelta tail;
    tail.index = index;
    tail.text = std::move(tail_text);
    if (index == 0) summary_.text += tail.text;
    out.frames.push_back(SseData(ChunkJson(meta_, tail, request_.include_usage)));
  }
  ChunkDelta finish;
  finish.index = index;
  finish.finish_reason = FinishReason(choice);
  out.frames.push_back(SseData(ChunkJson(meta_, finish, request_.include_usage)));
}

UsageInfo GenerationJob::TotalUsage() const {
  UsageInfo usage;
  for (size_t i = 0; i < choices_.size(); ++i) {
    const engine::Usage& u = choices_[i].final->usage;
    // n choices of one prompt count the prompt once, as OpenAI does; several
    // prompts (completions) count each.
    const bool same_prompt = request_.n > 1 && i % request_.n != 0;
    if (!same_prompt) {
      usage.prompt_tokens += u.prompt_tokens;
      usage.cached_tokens += u.cached_tokens;
    }
    usage.completion_tokens += u.completion_tokens;
  }
  return usage;
}

// Every choice has its final event: the body, or the stream's last frames.
void GenerationJob::Complete(JobOutput& out) {
  done_ = true;
  out.done = true;
  const UsageInfo usage = TotalUsage();
  summary_.prompt_tokens = usage.prompt_tokens;
  summary_.completion_tokens = usage.completion_tokens;
  summary_.cached_tokens = usage.cached_tokens;
  const engine::FinalEvent& first = *choices_.front().final;
  summary_.time_to_first_token_ms = first.timings.time_to_first_token_ms;
  summary_.queue_ms = first.timings.queue_ms;
  summary_.finish_reason = FinishReason(choices_.front());
  std::optional<ApiError> failure = cancel_reason_;
  for (const Choice& choice : choices_) {
    if (choice.content_filtered) continue;  // ended by the policy, not a failure
    if (!failure && choice.final->reason == engine::FinishReason::kError) {
      failure = InternalFailure("generation failed: " + choice.final->error.message());
    } else if (!failure && choice.final->reason == engine::FinishReason::kCancelled) {
      failure = Unavailable("the request was cancelled: the server is shutting down", "cancelled");
    }
  }
  if (request_.stream) {
    if (failure) {
      out.frames.push_back(SseData(failure->Body()));
    } else if (request_.include_usage) {
      out.frames.push_back(SseData(UsageChunkJson(meta_, usage)));
    }
    out.frames.push_back(SseDone());
    return;
  }
  if (failure) {
    out.response = ErrorResponse(*failure);
    return;
  }
  std::vector<ChoiceResult> results;
  for (size_t i = 0; i < choices_.size(); ++i) {
    const Choice& choice = choices_[i];
    results.push_back({static_cast<int>(i), choice.text, FinishReason(choice),
                       request_.logprobs, choice.logprobs});
  }
  summary_.text = choices_.front().text;
  out.response = JsonResponse(200, CompletionBodyJson(meta_, results, usage));
}

JobOutput GenerationJob::Poll() {
  JobOutput out;
  if (done_) {
    out.done = true;
    return out;
  }
  bool all_final = true;
  int produced = 0;
  for (size_t i = 0; i < choices_.size(); ++i) {
    Choice& choice = choices_[i];
    const int before = choice.completion_tokens;
    if (request_.stream && !choice.announced) {
      choice.announced = true;
      ChunkDelta hello;
      hello.index = static_cast<int>(i);
      hello.first = meta_.kind == ApiKind::kChat;
      hello.text = choice.text;  // completions' echo, or "" with the role
      if (hello.first || !hello.text.empty()) {
        if (i == 0) summary_.text += hello.text;
        out.frames.push_back(SseData(ChunkJson(meta_, hello, request_.include_usage)));
      }
      if (meta_.kind == ApiKind::kCompletion) choice.text.clear();
    }
    while (!choice.final) {
      std::optional<engine::StreamEvent> event = choice.output.TryNext();
      if (!event) break;
      if (auto* token = std::get_if<engine::TokenEvent>(&*event)) {
        OnToken(static_cast<int>(i), std::move(*token), out);
      } else {
        OnFinal(static_cast<int>(i), std::get<engine::FinalEvent>(std::move(*event)), out);
      }
    }
    produced += choice.completion_tokens - before;
  }
  Meter(produced, out);
  for (const Choice& choice : choices_) all_final = all_final && choice.final.has_value();
  if (all_final) Complete(out);
  return out;
}

}  // namespace citadel::server

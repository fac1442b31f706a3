// GenerationJob: one /v1/chat/completions or /v1/completions request in
// flight: its n choices (one engine request each), the events they produce,
// and the bytes those become (SSE frames while streaming, one JSON body
// otherwise).
//
//   auto job = GenerationJob::Start(model, request, meta, prompts);  // submits
//   (*job)->SetNotify([...] { post Poll() to the connection's strand; });
//   JobOutput out = (*job)->Poll();   // frames to send; `done` once finished
//
// With a content policy whose output filter is on, each choice's text passes
// through a security::StreamFilter after the output stage (streamed or not,
// the same filter, so both give the same text); a `stop` hit cancels that
// choice's engine request and ends it with finish_reason "content_filter".
//
// Each choice reads its engine stream through an engine::OutputStage, so the
// text work of a request (detokenizing, stop strings, JSON) runs here, on
// the connection's strand, never on the engine thread. Destroying an
// unfinished job cancels its engine requests (a client that went away frees
// its KV blocks at once).
//
// Thread contract: Poll, Cancel and the destructor are called from one
// thread at a time (the connection's strand); the notify callback runs on
// the engine thread and must only post work elsewhere.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/output_stage.h"
#include "engine/token_stream.h"
#include "security/policy_enforcer.h"
#include "server/api_error.h"
#include "server/chat_request.h"
#include "server/http_types.h"
#include "server/model_registry.h"
#include "server/openai_json.h"
#include "util/status.h"

namespace citadel::server {

// One choice to generate.
struct ChoicePlan {
  std::vector<std::int32_t> prompt;
  std::uint64_t seed = 0;
  std::string echo;  // text placed before the completion (completions' echo)
};

struct JobOutput {
  std::vector<std::string> frames;       // streaming: SSE frames, in order
  std::optional<HttpResponse> response;  // not streaming: the whole answer, once done
  bool done = false;
};

// What the request log and metrics want once a job is done.
struct JobSummary {
  int prompt_tokens = 0;
  int completion_tokens = 0;
  int cached_tokens = 0;
  double time_to_first_token_ms = 0;
  double queue_ms = 0;
  std::string finish_reason;
  std::string text;  // choice 0's text (logged only when asked)
};

// Charges the tokens a job uses against a budget (the rate-limit stage's
// tokens per minute): the prompts once, when attached, then each poll's
// new completion tokens. Thread contract: called on the job's thread.
class TokenMeter {
 public:
  virtual ~TokenMeter() = default;
  // False once the budget is spent: the job then ends every unfinished
  // choice with finish_reason "length" and the usage so far.
  virtual bool Charge(std::int64_t tokens) = 0;
};

class GenerationJob {
 public:
  // Submits one engine request per plan. On a refusal, cancels those already
  // submitted and returns the engine's Status (ResourceExhausted when the
  // queue is full, InvalidArgument for a prompt too long...); the caller
  // maps it with FromStatus(). The request's fields were validated at parse
  // time and the token ids against the vocabulary by the caller.
  static Result<std::unique_ptr<GenerationJob>> Start(ServedModel& model,
                                                      const GenerationRequest& request,
                                                      ResponseMeta meta,
                                                      std::vector<ChoicePlan> plans,
                                                      security::PolicyEnforcer* policy = nullptr);
  ~GenerationJob();
  GenerationJob(const GenerationJob&) = delete;
  GenerationJob& operator=(const GenerationJob&) = delete;

  // Registers `notify` on every stream (called when events may be ready).
  void SetNotify(const std::function<void()>& notify);
  // Takes every ready event and renders it.
  JobOutput Poll();
  // Attaches the budget the job's tokens are charged against (and charges
  // the prompts now). The job owns the meter until it is destroyed.
  void SetTokenMeter(std::unique_ptr<TokenMeter> meter);
  // Cancels the engine requests; the job then ends with `why` (sent as an
  // error body, or as an SSE error frame when streaming).
  void Cancel(ApiError why);

  bool streaming() const { return request_.stream; }
  bool done() const { return done_; }
  const JobSummary& summary() const { return summary_; }

 private:
  struct Choice {
    engine::OutputStage output;
    std::string text;
    std::vector<TokenLogprobInfo> logprobs;
    std::optional<engine::FinalEvent> final;
    bool announced = false;  // first chunk (role) sent
    int prompt_tokens = 0;
    int completion_tokens = 0;  // tokens received so far
    std::unique_ptr<security::StreamFilter> filter;  // null: no output policy
    bool content_filtered = false;                   // stopped by the policy
  };
  // Passes text through the choice's filter (counting hits); on a stop,
  // cancels the choice's engine request.
  std::string Filter(Choice& choice, std::string text, bool last);
  std::string FinishReason(const Choice& choice) const;
  GenerationJob(ServedModel& model, const GenerationRequest& request, ResponseMeta meta);

  TokenLogprobInfo LogprobsOf(const engine::TokenEvent& event) const;
  void OnToken(int index, engine::TokenEvent event, JobOutput& out);
  void OnFinal(int index, engine::FinalEvent event, JobOutput& out);
  void Complete(JobOutput& out);
  // Charges `tokens` new completion tokens; ends the job when the budget is spent.
  void Meter(int tokens, JobOutput& out);
  UsageInfo TotalUsage() const;

  ServedModel& model_;
  security::PolicyEnforcer* policy_ = nullptr;
  GenerationRequest request_;
  ResponseMeta meta_;
  std::vector<Choice> choices_;
  std::optional<ApiError> cancel_reason_;
  std::unique_ptr<TokenMeter> meter_;  // null: no token budget
  bool budget_spent_ = false;
  bool done_ = false;
  JobSummary summary_;
};

}  // namespace citadel::server

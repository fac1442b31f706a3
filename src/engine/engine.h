// Engine: serves many requests at once on one model.
//
//   auto engine = Engine::ForModel(model, tokenizer, options);   // starts the engine thread
//   auto stream = engine->Submit(prompt_ids, sampling, stop);    // any thread
//   OutputStage output(*engine, *stream, stop.stop_strings);     // the consumer's thread
//   while (auto event = output.Next(timeout)) { ... }            // TokenEvents, then a FinalEvent
//   engine->Cancel((*stream)->id());                             // any thread
//
// One engine thread owns the scheduler, the KV bookkeeping and every
// request's sampler; it loops Step() = schedule -> forward -> sample ->
// update, and pushes each sampled token id (with its log-probabilities) to
// the request's TokenStream. It ends a request on an end-of-generation or
// stop token, max_tokens or the context length. Turning ids into text and
// finding stop strings is the consumer's work (OutputStage, on its own
// thread), which tells the engine through EndRequest() when a stop string
// ends the request. Submit/Cancel/EndRequest hand work to the engine thread
// through a locked inbox. A request whose prompt plus max_tokens can never
// fit is refused by Submit at once, as is any request while the queue is
// full; running out of KV blocks at run time preempts the newest request
// instead of failing.
//
// Thread contract: Submit, Cancel, EndRequest, Metrics and Stop are
// thread-safe. The model, tokenizer and forward pass are borrowed and must
// outlive the engine.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "engine/active_request.h"
#include "engine/engine_metrics.h"
#include "engine/engine_options.h"
#include "engine/forward_pass.h"
#include "engine/kv_cache_manager.h"
#include "engine/request.h"
#include "engine/sampler.h"
#include "engine/scheduler.h"
#include "engine/token_stream.h"
#include "model/batch.h"
#include "tokenizer/tokenizer.h"
#include "util/status.h"

namespace citadel::engine {

class Engine {
 public:
  // An engine over `forward` with the given KV layout; starts the engine
  // thread. InvalidArgument for bad options or layout.
  static Result<std::unique_ptr<Engine>> Create(ForwardPass& forward,
                                                const tokenizer::Tokenizer& tok,
                                                const EngineOptions& options,
                                                const KvLayout& layout);
  // An engine over a loaded model (load it with ModelLoadOptionsFor()).
  static Result<std::unique_ptr<Engine>> ForModel(model::Model& model,
                                                  const tokenizer::Tokenizer& tok,
                                                  const EngineOptions& options);

  // Stops the engine (see Stop()).
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Queues a request. Refuses at once with InvalidArgument (empty prompt, a
  // token outside the vocabulary, bad sampling parameters, prompt plus
  // max_tokens longer than the context the KV cache can hold),
  // ResourceExhausted (max_queue requests already wait) or Unavailable (the
  // engine is stopping). Everything is checked here, once: the engine thread
  // trusts an accepted request. The stream's token events carry no text
  // (read them through an OutputStage); stop.stop_strings are the
  // OutputStage's to apply.
  Result<std::shared_ptr<TokenStream>> Submit(std::vector<std::int32_t> prompt,
                                              const SamplingParams& sampling,
                                              const StopConditions& stop);

  // Cancels a queued or running request: its stream ends with kCancelled and
  // all its KV blocks are freed. Unknown or finished ids are ignored.
  void Cancel(RequestId id);
  // Ends a queued or running request as if it had produced a stop token: its
  // stream ends with kStop and its KV blocks are freed (the OutputStage calls
  // this when a stop string appears). Unknown or finished ids are ignored.
  void EndRequest(RequestId id);

  // Cancels everything in flight and joins the engine thread. Idempotent.
  void Stop();

  // True once Stop() has begun: new submissions are refused from then on.
  bool Stopping() const;

  // A consistent snapshot, published after every step.
  EngineMetrics Metrics() const;

  const KvLayout& layout() const { return layout_; }
  const tokenizer::Tokenizer& tokenizer() const { return tok_; }

 private:
  Engine(ForwardPass& forward, const tokenizer::Tokenizer& tok, const EngineOptions& options,
         const KvLayout& layout);
  static Result<std::unique_ptr<Engine>> Start(std::unique_ptr<ForwardPass> owned,
                                               ForwardPass& forward,
                                               const tokenizer::Tokenizer& tok,
                                               const EngineOptions& options,
                                               const KvLayout& layout);

  Status ValidateRequest(std::span<const std::int32_t> prompt, const SamplingParams& sampling,
                         const StopConditions& stop) const;
  void Run();
  // Blocks until there is input or work; false when stopping.
  bool TakeInbox();
  void AdmitSubmission(std::unique_ptr<ActiveRequest> request);

  // One iteration: schedule -> forward -> sample -> update.
  void Step();
  Status RunForward(const SchedulerOutput& plan);
  void SampleTokens(const SchedulerOutput& plan);
  void PublishStep();

  void AppendToken(ActiveRequest& request, const SampledToken& sampled);
  void Finish(ActiveRequest& request, FinishReason reason, Status error = OkStatus());
  void FailBatch(const SchedulerOutput& plan, const Status& error);
  void CancelAll();

  std::unique_ptr<ForwardPass> owned_forward_;  // set by ForModel(); else null
  ForwardPass& forward_;
  const tokenizer::Tokenizer& tok_;
  const EngineOptions options_;
  const KvLayout layout_;
  const int vocab_size_;

  // Engine-thread state.
  KvCacheManager kv_;
  Scheduler scheduler_;
  std::unordered_map<RequestId, std::unique_ptr<ActiveRequest>> active_;
  std::vector<std::unique_ptr<ActiveRequest>> finished_;  // final events pushed after publish
  bool idle_ = false;  // the last Schedule() found nothing to run; wait for input
  model::Batch batch_;
  std::vector<float> logits_;  // [max_running, vocab]
  std::vector<SampledToken> sampled_;
  EngineMetrics counters_;  // the engine thread's working copy

  // Shared with Submit/Cancel/Metrics, guarded by mu_.
  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::vector<std::unique_ptr<ActiveRequest>> inbox_;
  std::vector<std::pair<RequestId, FinishReason>> ends_;  // Cancel / EndRequest
  bool stopping_ = false;
  int published_waiting_ = 0;  // scheduler's waiting count after the last step
  RequestId next_id_ = 1;
  EngineMetrics published_;
  std::int64_t rejected_ = 0;
  std::int64_t submitted_ = 0;

  std::mutex join_mu_;  // serializes Stop()'s join
  std::thread thread_;  // last: started once everything above is built
};

}  // namespace citadel::engine

// TokenStream: the per-request channel from the engine thread to whoever
// serves the request (an HTTP handler, the CLI).
//
// The engine pushes zero or more TokenEvents (ids only), then exactly one
// FinalEvent; an OutputStage on the consumer's thread fills in their text;
// the consumer pops them in order, waiting with a timeout, or registers a
// callback that tells it when to look.
//
// Thread-safe: one producer (the engine thread) and any number of consumer
// threads. It is handed out as a std::shared_ptr because two threads truly
// share it: the engine keeps it until the request finishes, the consumer
// until it has read the final event, and either may let go first (a client
// that disconnects, an engine that finished).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "engine/request.h"
#include "engine/sampler.h"
#include "util/status.h"

namespace citadel::engine {

// One generated token.
struct TokenEvent {
  std::int32_t token_id = 0;
  // Filled by the OutputStage (empty from the engine): text that became safe
  // to show with this token: may be empty (an incomplete UTF-8 character,
  // text held back for a possible stop string, a control token) or hold text
  // of earlier tokens released now.
  std::string text;
  float logprob = 0;                       // of token_id; 0 unless requested
  std::vector<TokenLogprob> top_logprobs;  // most likely first; empty unless requested
};

// The end of a request; always the last event.
struct FinalEvent {
  FinishReason reason = FinishReason::kStop;
  // Filled by the OutputStage: text not yet delivered (a held-back tail that
  // turned out not to be a stop string, the detokenizer's last bytes).
  // Usually empty.
  std::string text;
  Usage usage;
  RequestTimings timings;
  Status error;  // non-OK only when reason == kError
};

using StreamEvent = std::variant<TokenEvent, FinalEvent>;

class TokenStream {
 public:
  explicit TokenStream(RequestId id) : id_(id) {}

  TokenStream(const TokenStream&) = delete;
  TokenStream& operator=(const TokenStream&) = delete;

  RequestId id() const { return id_; }

  // Producer side (engine thread). Events after Finish() are dropped.
  void Push(TokenEvent event);
  void Finish(FinalEvent event);

  // Consumer side. The next event, waiting up to `timeout` for one;
  // nullopt on timeout or once the final event has been taken.
  std::optional<StreamEvent> Next(std::chrono::milliseconds timeout);
  // The next event if one is ready, without waiting.
  std::optional<StreamEvent> TryNext();
  // Every remaining event, blocking until the final one arrives.
  std::vector<StreamEvent> DrainAll();

  // Calls `notify` (on the producer's thread, without the lock held) after
  // every Push/Finish, and once right away if events are waiting. It must be
  // quick and must not block (post to an event loop, say). Replaces any
  // earlier callback.
  void SetNotify(std::function<void()> notify);

  // True once the final event has been pushed.
  bool finished() const;

 private:
  void Enqueue(StreamEvent event, bool final);

  const RequestId id_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<StreamEvent> events_;                 // guarded by mu_
  bool finished_ = false;                          // guarded by mu_
  bool final_taken_ = false;                       // guarded by mu_
  std::shared_ptr<std::function<void()>> notify_;  // guarded by mu_
};

}  // namespace citadel::engine

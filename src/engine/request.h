// The request lifecycle and the plain value types a caller sees:
//
//   queued ──► prefilling ──► decoding ──► finished (stop | length | cancelled | error)
//     ▲             │              │
//     └─────────────┴──preempted───┘   (blocks freed; recomputed when re-admitted)
//
// SequenceState is the scheduler's view of one request (tokens and how many
// of them have K/V computed). Value types; thread-compatible.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/kv_cache_manager.h"

namespace citadel::engine {

using RequestId = SequenceId;

enum class RequestState { kQueued, kPrefilling, kDecoding, kFinished };

enum class FinishReason {
  kStop,       // an end-of-generation token or a stop string
  kLength,     // max_tokens or the context length reached
  kCancelled,  // Cancel() or the engine stopping
  kError,      // the forward pass failed; see FinalEvent::error
};

// "queued", "prefilling", "decoding", "finished".
std::string_view RequestStateName(RequestState state);
// OpenAI's finish_reason spelling: "stop", "length", "cancelled", "error".
std::string_view FinishReasonName(FinishReason reason);

// When generation ends, besides the context length.
struct StopConditions {
  // Completion tokens at most; 0 means "until the context is full".
  int max_tokens = 0;
  // Generation stops when the text contains one of these; the stop string and
  // anything after it never reach the consumer. Applied by the OutputStage on
  // the consumer's thread (the engine thread never sees text).
  std::vector<std::string> stop_strings;
  // Token ids that end generation, in addition to the model's
  // end-of-generation tokens (unless ignore_eos).
  std::vector<std::int32_t> stop_token_ids;
  bool ignore_eos = false;
};

struct Usage {
  int prompt_tokens = 0;
  int completion_tokens = 0;
  int cached_tokens = 0;  // prompt tokens served from the prefix cache
};

// Milliseconds measured on the engine's clock.
struct RequestTimings {
  double queue_ms = 0;                // submit → first scheduled
  double time_to_first_token_ms = 0;  // submit → first token pushed
  double prompt_ms = 0;               // first scheduled → first token
  double generation_ms = 0;           // first token → finish
  double total_ms = 0;                // submit → finish
  int preemptions = 0;
};

// The scheduler's view of one request. Owned by the engine; the scheduler
// borrows it between Scheduler::Add() and Scheduler::Remove().
struct SequenceState {
  SequenceId id = 0;
  std::vector<std::int32_t> tokens;  // prompt, then every generated token
  int num_prompt_tokens = 0;
  int num_computed_tokens = 0;  // tokens whose K/V is in the cache
  int num_cached_tokens = 0;    // prompt tokens the prefix cache served at first admission
  int max_total_tokens = 0;     // prompt + completion budget (<= context length)
  RequestState state = RequestState::kQueued;
  int num_preemptions = 0;
  bool admitted_before = false;
  std::uint64_t arrival = 0;  // FCFS order; smaller is older

  int num_output_tokens() const { return static_cast<int>(tokens.size()) - num_prompt_tokens; }
  int num_pending_tokens() const { return static_cast<int>(tokens.size()) - num_computed_tokens; }
};

}  // namespace citadel::engine

// Scheduler: first-come first-served continuous batching over a paged KV
// cache, in the style of vLLM v1 (every request is "tokens computed so far";
// prefill and decode are the same thing with different pending counts).
//
// Each Schedule() builds one step under a token budget (max_batch_tokens):
//   1. running decodes (one pending token each), oldest first — a long
//      prompt can never stall them;
//   2. running prefills, a chunk of at most the remaining budget each;
//   3. waiting requests, oldest first, while fewer than max_running run and
//      no preemption happened this step (prefix-cache lookup on admission).
// When a running request needs a block and none is free, the newest running
// request is preempted: its blocks are freed, its computed count reset, and
// it returns to the front of the waiting queue to be recomputed later
// (prompt plus the tokens it already generated). The scheduler never fails
// for lack of memory; requests that can never fit are refused by CheckFits().
//
// Engine-thread only (thread-compatible). Borrows the KvCacheManager and the
// SequenceStates added to it.
#pragma once

#include <cstdint>
#include <deque>
#include <vector>

#include "engine/kv_cache_manager.h"
#include "engine/request.h"
#include "util/status.h"

namespace citadel::engine {

struct SchedulerOptions {
  int max_batch_tokens = 512;  // tokens per step, all sequences together
  int max_running = 16;        // sequences in the running set
};

// One sequence's share of a step: tokens [start, start + num_tokens) of
// seq->tokens are run through the model at positions start...
struct ScheduledSequence {
  SequenceState* seq = nullptr;
  int start = 0;
  int num_tokens = 0;
  bool needs_logits = false;  // the chunk ends at the last token: sample after it
};

struct SchedulerOutput {
  std::vector<ScheduledSequence> sequences;  // batch order
  int num_tokens = 0;
  int num_preempted = 0;  // preemptions made while building this step
  bool empty() const { return sequences.empty(); }
};

class Scheduler {
 public:
  Scheduler(const SchedulerOptions& options, KvCacheManager& kv);

  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // OK when a request of `max_total_tokens` (prompt + completion budget) can
  // run once it has the whole cache to itself; InvalidArgument saying how
  // many blocks it needs and how many exist otherwise.
  Status CheckFits(int max_total_tokens) const;

  // Appends `seq` (state kQueued, nothing computed) to the waiting queue.
  void Add(SequenceState* seq);

  // Builds the next step. The result stays valid until the next call to
  // Schedule().
  const SchedulerOutput& Schedule();

  // Records that the last Schedule()'s tokens were computed: advances each
  // sequence's computed count and offers its newly full blocks to the prefix
  // cache. Call after the forward pass and before appending sampled tokens.
  void OnStepComputed();

  // Removes `seq` from the waiting or running set and frees its blocks. The
  // last output is left as it is (callers may be iterating it) but must not
  // be used for `seq` any more.
  void Remove(SequenceState* seq);

  int num_waiting() const { return static_cast<int>(waiting_.size()); }
  int num_running() const { return static_cast<int>(running_.size()); }
  std::int64_t num_preemptions() const { return num_preemptions_; }
  const KvCacheManager& kv() const { return kv_; }

 private:
  void ScheduleRunning(bool decodes);
  void ScheduleWaiting();
  // Reserves blocks for `seq` to hold `num_tokens` tokens, preempting the
  // newest running requests as needed. False when `seq` itself was preempted.
  bool ReserveOrPreempt(SequenceState* seq, int num_tokens);
  void Preempt(SequenceState* victim);
  void Emit(SequenceState* seq, int num_tokens);
  void InsertRunning(SequenceState* seq);

  SchedulerOptions options_;
  KvCacheManager& kv_;
  std::deque<SequenceState*> waiting_;
  std::vector<SequenceState*> running_;  // by arrival, oldest first
  SchedulerOutput output_;
  int budget_ = 0;
  std::int64_t num_preemptions_ = 0;
};

}  // namespace citadel::engine

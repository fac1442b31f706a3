#include "engine/scheduler.h"

#include <algorithm>
#include <cassert>
#include <string>

namespace citadel::engine {

Scheduler::Scheduler(const SchedulerOptions& options, KvCacheManager& kv)
    : options_(options), kv_(kv) {
  options_.max_batch_tokens = std::max(options_.max_batch_tokens, 1);
  options_.max_running = std::max(options_.max_running, 1);
  output_.sequences.reserve(options_.max_running);
  running_.reserve(options_.max_running);
}

Status Scheduler::CheckFits(int max_total_tokens) const {
  const int needed = kv_.BlocksFor(max_total_tokens);
  const int total = kv_.pool().num_blocks();
  if (needed <= total) return OkStatus();
  return InvalidArgumentError(
      "request needs " + std::to_string(max_total_tokens) + " tokens of KV cache (" +
      std::to_string(needed) + " blocks of " + std::to_string(kv_.block_tokens()) +
      " tokens) but the whole cache holds " + std::to_string(total) +
      " blocks; lower max_tokens or shorten the prompt, or raise --kv-cache-memory");
}

void Scheduler::Add(SequenceState* seq) {
  seq->state = RequestState::kQueued;
  waiting_.push_back(seq);
}

const SchedulerOutput& Scheduler::Schedule() {
  output_.sequences.clear();
  output_.num_tokens = 0;
  output_.num_preempted = 0;
  budget_ = options_.max_batch_tokens;
  ScheduleRunning(/*decodes=*/true);
  ScheduleRunning(/*decodes=*/false);
  if (output_.num_preempted == 0) ScheduleWaiting();
  return output_;
}

void Scheduler::ScheduleRunning(bool decodes) {
  // Preemption only removes from the back, so index i stays valid.
  for (size_t i = 0; i < running_.size() && budget_ > 0; ++i) {
    SequenceState* seq = running_[i];
    const int pending = seq->num_pending_tokens();
    if ((pending == 1) != decodes || pending <= 0) continue;
    const int num_tokens = std::min(pending, budget_);
    if (!ReserveOrPreempt(seq, seq->num_computed_tokens + num_tokens)) break;
    Emit(seq, num_tokens);
  }
}

void Scheduler::ScheduleWaiting() {
  while (!waiting_.empty() && budget_ > 0 &&
         static_cast<int>(running_.size()) < options_.max_running) {
    SequenceState* seq = waiting_.front();
    assert(seq->num_computed_tokens == 0);
    const int cached = kv_.AttachCachedPrefix(seq->id, seq->tokens);
    const int num_tokens = std::min(static_cast<int>(seq->tokens.size()) - cached, budget_);
    if (!kv_.Reserve(seq->id, cached + num_tokens)) {
      kv_.Free(seq->id);  // give the prefix blocks back; retry next step
      break;
    }
    waiting_.pop_front();
    seq->num_computed_tokens = cached;
    if (!seq->admitted_before) {
      seq->num_cached_tokens = std::min(cached, seq->num_prompt_tokens);
      kv_.RecordPrefixLookup(static_cast<int>(seq->tokens.size()), cached);
    }
    seq->admitted_before = true;
    seq->state = RequestState::kPrefilling;
    InsertRunning(seq);
    Emit(seq, num_tokens);
  }
}

bool Scheduler::ReserveOrPreempt(SequenceState* seq, int num_tokens) {
  while (!kv_.Reserve(seq->id, num_tokens)) {
    SequenceState* victim = running_.back();
    Preempt(victim);
    if (victim == seq) return false;
  }
  return true;
}

void Scheduler::Preempt(SequenceState* victim) {
  // Undo the victim's share of this step if it was already scheduled.
  auto& scheduled = output_.sequences;
  auto it = std::find_if(scheduled.begin(), scheduled.end(),
                         [victim](const ScheduledSequence& s) { return s.seq == victim; });
  if (it != scheduled.end()) {
    budget_ += it->num_tokens;
    output_.num_tokens -= it->num_tokens;
    scheduled.erase(it);
  }
  running_.erase(std::find(running_.begin(), running_.end(), victim));
  kv_.Free(victim->id);
  victim->num_computed_tokens = 0;
  victim->state = RequestState::kQueued;
  ++victim->num_preemptions;
  waiting_.push_front(victim);
  ++output_.num_preempted;
  ++num_preemptions_;
}

void Scheduler::Emit(SequenceState* seq, int num_tokens) {
  const int start = seq->num_computed_tokens;
  const bool last = start + num_tokens == static_cast<int>(seq->tokens.size());
  output_.sequences.push_back({seq, start, num_tokens, last});
  output_.num_tokens += num_tokens;
  budget_ -= num_tokens;
}

void Scheduler::InsertRunning(SequenceState* seq) {
  auto pos = std::upper_bound(
      running_.begin(), running_.end(), seq,
      [](const SequenceState* a, const SequenceState* b) { return a->arrival < b->arrival; });
  running_.insert(pos, seq);
}

void Scheduler::OnStepComputed() {
  for (const ScheduledSequence& s : output_.sequences) {
    s.seq->num_computed_tokens = s.start + s.num_tokens;
    kv_.CacheFullBlocks(s.seq->id, s.seq->tokens, s.seq->num_computed_tokens);
  }
}

void Scheduler::Remove(SequenceState* seq) {
  if (auto it = std::find(running_.begin(), running_.end(), seq); it != running_.end()) {
    running_.erase(it);
  } else if (auto w = std::find(waiting_.begin(), waiting_.end(), seq); w != waiting_.end()) {
    waiting_.erase(w);
  }
  kv_.Free(seq->id);
}

}  // namespace citadel::engine

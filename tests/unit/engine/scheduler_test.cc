#include "engine/scheduler.h"

#include <gtest/gtest.h>

#include <memory>
#include <numeric>
#include <vector>

namespace citadel::engine {
namespace {

constexpr int kBlockTokens = 4;

// Drives a Scheduler the way the engine does, with a fake "model" that
// appends token 7 for every sequence that needs logits, and finishes a
// sequence after `max_outputs` generated tokens.
class Harness {
 public:
  Harness(int num_blocks, SchedulerOptions options)
      : kv_(num_blocks, kBlockTokens, /*model_seed=*/1), scheduler_(options, kv_) {}

  SequenceState* Add(int prompt_tokens, int max_outputs, std::int32_t first_token = 1000) {
    auto seq = std::make_unique<SequenceState>();
    seq->id = next_id_;
    seq->arrival = next_id_++;
    seq->tokens.resize(prompt_tokens);
    std::iota(seq->tokens.begin(), seq->tokens.end(), first_token);
    seq->num_prompt_tokens = prompt_tokens;
    seq->max_total_tokens = prompt_tokens + max_outputs;
    scheduler_.Add(seq.get());
    seqs_.push_back(std::move(seq));
    return seqs_.back().get();
  }

  // One step; returns a copy of what was scheduled.
  SchedulerOutput Step() {
    SchedulerOutput out = scheduler_.Schedule();
    EXPECT_LE(out.num_tokens, max_batch_tokens());
    scheduler_.OnStepComputed();
    for (const ScheduledSequence& s : out.sequences) {
      if (!s.needs_logits) continue;
      s.seq->tokens.push_back(7);
      s.seq->state = RequestState::kDecoding;
      if (static_cast<int>(s.seq->tokens.size()) >= s.seq->max_total_tokens) {
        s.seq->state = RequestState::kFinished;
        scheduler_.Remove(s.seq);
      }
    }
    return out;
  }

  void RunToCompletion(int max_steps = 10000) {
    for (int i = 0; i < max_steps && (scheduler_.num_running() + scheduler_.num_waiting()) > 0;
         ++i) {
      Step();
    }
  }

  int max_batch_tokens() const { return options_max_batch_tokens_; }
  void set_max_batch_tokens(int n) { options_max_batch_tokens_ = n; }
  Scheduler& scheduler() { return scheduler_; }
  KvCacheManager& kv() { return kv_; }

 private:
  KvCacheManager kv_;
  Scheduler scheduler_;
  std::vector<std::unique_ptr<SequenceState>> seqs_;
  SequenceId next_id_ = 1;
  int options_max_batch_tokens_ = 1 << 30;
};

const ScheduledSequence* Find(const SchedulerOutput& out, const SequenceState* seq) {
  for (const ScheduledSequence& s : out.sequences) {
    if (s.seq == seq) return &s;
  }
  return nullptr;
}

TEST(SchedulerTest, AdmitsFirstComeFirstServedUpToMaxRunning) {
  Harness h(64, {.max_batch_tokens = 512, .max_running = 2});
  SequenceState* a = h.Add(5, 3, 100);
  SequenceState* b = h.Add(5, 1, 200);
  SequenceState* c = h.Add(5, 3, 300);
  SchedulerOutput first = h.Step();
  ASSERT_EQ(first.sequences.size(), 2u);
  EXPECT_EQ(first.sequences[0].seq, a);
  EXPECT_EQ(first.sequences[1].seq, b);
  EXPECT_EQ(c->state, RequestState::kQueued);
  // b finished after one token; c takes its place next step.
  SchedulerOutput second = h.Step();
  EXPECT_NE(Find(second, a), nullptr);
  ASSERT_NE(Find(second, c), nullptr);
  EXPECT_EQ(Find(second, c)->num_tokens, 5);
  h.RunToCompletion();
  EXPECT_EQ(a->num_output_tokens(), 3);
  EXPECT_EQ(c->num_output_tokens(), 3);
}

TEST(SchedulerTest, ChunksLongPromptsUnderTheTokenBudget) {
  Harness h(256, {.max_batch_tokens = 16, .max_running = 4});
  h.set_max_batch_tokens(16);
  SequenceState* a = h.Add(40, 2);
  std::vector<int> chunks;
  for (int i = 0; i < 3; ++i) {
    SchedulerOutput out = h.Step();
    ASSERT_EQ(out.sequences.size(), 1u);
    EXPECT_EQ(out.sequences[0].start, 16 * i);
    chunks.push_back(out.sequences[0].num_tokens);
    EXPECT_EQ(out.sequences[0].needs_logits, i == 2) << "logits only after the last chunk";
  }
  EXPECT_EQ(chunks, (std::vector<int>{16, 16, 8}));
  EXPECT_EQ(a->num_output_tokens(), 1);
}

TEST(SchedulerTest, DecodesKeepRunningWhileALongPromptPrefills) {
  Harness h(512, {.max_batch_tokens = 8, .max_running = 4});
  h.set_max_batch_tokens(8);
  SequenceState* a = h.Add(3, 100, 100);
  SequenceState* b = h.Add(3, 100, 200);
  h.Step();  // both prefilled, first token each
  SequenceState* big = h.Add(200, 1, 300);
  int steps_with_big = 0;
  while (big->num_output_tokens() == 0) {
    SchedulerOutput out = h.Step();
    ASSERT_NE(Find(out, a), nullptr) << "decode stalled behind a long prompt";
    ASSERT_NE(Find(out, b), nullptr) << "decode stalled behind a long prompt";
    EXPECT_EQ(Find(out, a)->num_tokens, 1);
    if (const ScheduledSequence* s = Find(out, big)) {
      EXPECT_EQ(s->num_tokens, std::min(6, 200 - s->start)) << "the chunk gets what decodes leave";
      ++steps_with_big;
    }
    ASSERT_LT(steps_with_big, 100);
  }
  EXPECT_EQ(steps_with_big, (200 + 5) / 6);
}

TEST(SchedulerTest, PreemptsTheNewestWhenBlocksRunOutAndRecomputesItLater) {
  // 6 blocks of 4 tokens. Two requests of 8-token prompts each need 2 blocks,
  // then grow; together they cannot reach 12 tokens each.
  Harness h(6, {.max_batch_tokens = 64, .max_running = 4});
  SequenceState* a = h.Add(8, 12, 100);
  SequenceState* b = h.Add(8, 12, 200);
  h.Step();
  bool preempted = false;
  for (int i = 0; i < 100 && !preempted; ++i) {
    SchedulerOutput out = h.Step();
    if (out.num_preempted > 0) {
      preempted = true;
      EXPECT_EQ(b->state, RequestState::kQueued) << "the newest must be preempted";
      EXPECT_EQ(b->num_computed_tokens, 0);
      EXPECT_EQ(Find(out, b), nullptr);
      EXPECT_NE(Find(out, a), nullptr);
      EXPECT_TRUE(h.kv().BlockTable(b->id).empty());
    }
  }
  ASSERT_TRUE(preempted);
  const int b_outputs_at_preemption = b->num_output_tokens();
  EXPECT_GT(b_outputs_at_preemption, 0);
  // After a finishes, b is re-admitted: its prompt and generated tokens are
  // recomputed in one prefill (minus any blocks the prefix cache still
  // holds), then generation continues.
  bool recomputed = false;
  for (int i = 0; i < 100 && b->state != RequestState::kFinished; ++i) {
    const bool was_queued = b->state == RequestState::kQueued;
    SchedulerOutput out = h.Step();
    if (const ScheduledSequence* s = Find(out, b); s && was_queued) {
      recomputed = true;
      EXPECT_EQ(s->start % kBlockTokens, 0);
      EXPECT_EQ(s->start + s->num_tokens, 8 + b_outputs_at_preemption);
      EXPECT_TRUE(s->needs_logits);
    }
  }
  EXPECT_TRUE(recomputed);
  EXPECT_EQ(a->num_output_tokens(), 12);
  EXPECT_EQ(b->num_output_tokens(), 12);
  EXPECT_EQ(b->num_preemptions, 1);
  EXPECT_EQ(h.scheduler().num_preemptions(), 1);
  EXPECT_EQ(h.kv().pool().num_used(), 0);
}

TEST(SchedulerTest, RejectsRequestsThatCanNeverFit) {
  Harness h(4, {.max_batch_tokens = 64, .max_running = 4});
  EXPECT_TRUE(h.scheduler().CheckFits(16).ok());
  Status s = h.scheduler().CheckFits(17);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("5 blocks"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("holds 4 blocks"), std::string::npos) << s.message();
}

TEST(SchedulerTest, RemovingARequestFreesEveryBlock) {
  Harness h(64, {.max_batch_tokens = 8, .max_running = 4});
  const int start_available = h.kv().pool().num_available();
  SequenceState* a = h.Add(30, 50);
  SequenceState* b = h.Add(5, 50);
  SequenceState* waiting = nullptr;
  h.Step();
  h.Step();
  EXPECT_GT(h.kv().pool().num_used(), 0);
  h.scheduler().Remove(a);  // mid-prefill
  h.Step();
  h.scheduler().Remove(b);  // decoding
  waiting = h.Add(5, 5);
  h.scheduler().Remove(waiting);  // still queued
  EXPECT_EQ(h.kv().pool().num_used(), 0);
  EXPECT_EQ(h.kv().pool().num_available(), start_available);
  EXPECT_EQ(h.scheduler().num_running() + h.scheduler().num_waiting(), 0);
  EXPECT_TRUE(h.scheduler().Schedule().empty());
}

TEST(SchedulerTest, SecondRequestWithSamePrefixStartsAfterCachedBlocks) {
  Harness h(64, {.max_batch_tokens = 512, .max_running = 4});
  SequenceState* first = h.Add(13, 1, 500);
  h.RunToCompletion();
  SequenceState* second = h.Add(13, 1, 500);
  SchedulerOutput out = h.Step();
  ASSERT_NE(Find(out, second), nullptr);
  EXPECT_EQ(Find(out, second)->start, 12);
  EXPECT_EQ(Find(out, second)->num_tokens, 1);
  EXPECT_EQ(second->num_cached_tokens, 12);
  EXPECT_EQ(first->num_cached_tokens, 0);
  EXPECT_EQ(h.kv().prefix_counters().queries, 2);
  EXPECT_EQ(h.kv().prefix_counters().hits, 1);
}

TEST(SchedulerTest, ManyMixedRequestsAllCompleteWithinBudget) {
  Harness h(40, {.max_batch_tokens = 24, .max_running = 6});
  h.set_max_batch_tokens(24);
  std::vector<SequenceState*> seqs;
  for (int i = 0; i < 20; ++i) seqs.push_back(h.Add(3 + (i * 7) % 50, 1 + (i * 5) % 30, i * 100));
  h.RunToCompletion();
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(seqs[i]->state, RequestState::kFinished) << "request " << i;
    EXPECT_EQ(seqs[i]->num_output_tokens(), 1 + (i * 5) % 30) << "request " << i;
  }
  EXPECT_EQ(h.kv().pool().num_used(), 0);
}

}  // namespace
}  // namespace citadel::engine

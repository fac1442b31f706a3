// Seeded random workloads through the Scheduler and KvCacheManager, checking
// the invariants after every step: the token budget and max_running hold,
// every scheduled chunk continues where the sequence left off, block tables
// cover what is computed and hold exactly the sequence's tokens (checked
// against a simulated KV memory, so prefix reuse and preemption are checked
// for content, not just counts), private blocks are never shared, and the
// pool's used count matches the tables.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <random>
#include <set>
#include <vector>

#include "engine/scheduler.h"

namespace citadel::engine {
namespace {

struct Workload {
  int num_blocks;
  int block_tokens;
  SchedulerOptions options;
};

class Simulation {
 public:
  Simulation(const Workload& w, std::uint32_t seed)
      : w_(w),
        kv_(w.num_blocks, w.block_tokens, 1),
        scheduler_(w.options, kv_),
        memory_(static_cast<size_t>(w.num_blocks) * w.block_tokens, -1),
        rng_(seed) {}

  void AddRandomRequest() {
    const int capacity = w_.num_blocks * w_.block_tokens;
    const int total = std::uniform_int_distribution<int>(2, std::min(capacity, 90))(rng_);
    const int prompt = std::uniform_int_distribution<int>(1, total - 1)(rng_);
    auto seq = std::make_unique<SequenceState>();
    seq->id = seq->arrival = next_id_++;
    // Few distinct prompt starts, so prefixes are shared often.
    const int family = std::uniform_int_distribution<int>(0, 3)(rng_);
    for (int i = 0; i < prompt; ++i) seq->tokens.push_back(family * 1000 + (i < 40 ? i : i * 7));
    seq->num_prompt_tokens = prompt;
    seq->max_total_tokens = total;
    ASSERT_TRUE(scheduler_.CheckFits(total).ok());
    scheduler_.Add(seq.get());
    live_.emplace(seq->id, std::move(seq));
  }

  void CancelRandomRequest() {
    if (live_.empty()) return;
    auto it = live_.begin();
    std::advance(it, std::uniform_int_distribution<size_t>(0, live_.size() - 1)(rng_));
    scheduler_.Remove(it->second.get());
    live_.erase(it);
  }

  void Step() {
    const SchedulerOutput& out = scheduler_.Schedule();
    CheckPlan(out);
    // The "model": write each scheduled token into its slot.
    for (const ScheduledSequence& s : out.sequences) {
      for (int p = s.start; p < s.start + s.num_tokens; ++p) {
        memory_[Slot(s.seq->id, p)] = s.seq->tokens[p];
      }
    }
    scheduler_.OnStepComputed();
    for (const ScheduledSequence& s : out.sequences) {
      if (!s.needs_logits) continue;
      SequenceState* seq = s.seq;
      seq->tokens.push_back(static_cast<std::int32_t>(seq->tokens.size() * 31 % 97));
      seq->state = RequestState::kDecoding;
      if (static_cast<int>(seq->tokens.size()) >= seq->max_total_tokens) {
        scheduler_.Remove(seq);
        live_.erase(seq->id);
        ++finished_;
      }
    }
    CheckBlocks();
  }

  bool done() const { return live_.empty(); }
  int finished() const { return finished_; }
  const KvCacheManager& kv() const { return kv_; }
  const Scheduler& scheduler() const { return scheduler_; }

 private:
  size_t Slot(SequenceId id, int position) const {
    std::span<const BlockId> table = kv_.BlockTable(id);
    EXPECT_LT(static_cast<size_t>(position / w_.block_tokens), table.size());
    return static_cast<size_t>(table[position / w_.block_tokens]) * w_.block_tokens +
           position % w_.block_tokens;
  }

  void CheckPlan(const SchedulerOutput& out) {
    EXPECT_LE(out.num_tokens, w_.options.max_batch_tokens);
    EXPECT_LE(static_cast<int>(out.sequences.size()), w_.options.max_running);
    EXPECT_LE(scheduler_.num_running(), w_.options.max_running);
    int sum = 0;
    std::set<SequenceId> seen;
    for (const ScheduledSequence& s : out.sequences) {
      sum += s.num_tokens;
      EXPECT_TRUE(seen.insert(s.seq->id).second) << "sequence scheduled twice in a step";
      EXPECT_GT(s.num_tokens, 0);
      EXPECT_EQ(s.start, s.seq->num_computed_tokens);
      EXPECT_LE(s.start + s.num_tokens, static_cast<int>(s.seq->tokens.size()));
      EXPECT_EQ(s.needs_logits, s.start + s.num_tokens == static_cast<int>(s.seq->tokens.size()));
      EXPECT_GE(static_cast<int>(kv_.BlockTable(s.seq->id).size()) * w_.block_tokens,
                s.start + s.num_tokens);
      // Everything before the chunk must already hold this sequence's tokens.
      for (int p = 0; p < s.start; ++p) {
        ASSERT_EQ(memory_[Slot(s.seq->id, p)], s.seq->tokens[p])
            << "sequence " << s.seq->id << " position " << p << " holds another token";
      }
    }
    EXPECT_EQ(sum, out.num_tokens);
  }

  void CheckBlocks() {
    std::map<BlockId, int> owners;
    for (const auto& [id, seq] : live_) {
      for (BlockId block : kv_.BlockTable(id)) ++owners[block];
    }
    for (const auto& [block, count] : owners) {
      EXPECT_EQ(kv_.pool().ref_count(block), count) << "block " << block;
      if (count > 1) {
        EXPECT_TRUE(kv_.pool().is_cached(block)) << "private block " << block << " shared";
      }
    }
    EXPECT_EQ(kv_.pool().num_used(), static_cast<int>(owners.size()));
  }

  Workload w_;
  KvCacheManager kv_;
  Scheduler scheduler_;
  std::vector<std::int32_t> memory_;
  std::mt19937 rng_;
  std::map<SequenceId, std::unique_ptr<SequenceState>> live_;
  SequenceId next_id_ = 1;
  int finished_ = 0;
};

TEST(SchedulerRandomTest, InvariantsHoldUnderRandomWorkloads) {
  std::int64_t total_preemptions = 0;
  std::int64_t total_hits = 0;
  for (std::uint32_t seed = 1; seed <= 60; ++seed) {
    std::mt19937 rng(seed);
    Workload w;
    w.block_tokens = seed % 2 ? 4 : 16;
    w.num_blocks = std::uniform_int_distribution<int>(6, 40)(rng);
    w.options.max_batch_tokens = std::uniform_int_distribution<int>(1, 64)(rng);
    w.options.max_running = std::uniform_int_distribution<int>(1, 10)(rng);
    Simulation sim(w, seed);
    for (int step = 0; step < 3000 && (step < 200 || !sim.done()); ++step) {
      const int r = std::uniform_int_distribution<int>(0, 99)(rng);
      if (step < 200 && r < 25) sim.AddRandomRequest();
      if (r == 99) sim.CancelRandomRequest();
      sim.Step();
      if (::testing::Test::HasFatalFailure()) return;
    }
    ASSERT_TRUE(sim.done()) << "seed " << seed << ": requests left unfinished (livelock?)";
    EXPECT_EQ(sim.kv().pool().num_used(), 0) << "seed " << seed;
    total_preemptions += sim.scheduler().num_preemptions();
    total_hits += sim.kv().prefix_counters().hits;
  }
  // The workloads must actually exercise preemption and prefix reuse.
  EXPECT_GT(total_preemptions, 0);
  EXPECT_GT(total_hits, 0);
}

}  // namespace
}  // namespace citadel::engine

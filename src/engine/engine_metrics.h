// EngineMetrics: a snapshot of the engine's counters, gauges and latency
// histograms, as plain structs. The server renders them (Prometheus text,
// JSON); nothing here knows a wire format.
//
// LatencyHistogram is thread-compatible; the engine updates its own copy on
// the engine thread and publishes snapshots under a lock (Engine::Metrics()).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace citadel::engine {

// Cumulative-style histogram over fixed upper bounds in milliseconds.
class LatencyHistogram {
 public:
  // Bucket upper bounds, ascending; an implicit +Inf bucket follows.
  explicit LatencyHistogram(std::vector<double> bounds_ms);
  // 1 ms ... 60 s, roughly doubling: suits TTFT and end-to-end latency.
  static LatencyHistogram ForRequestLatency();
  // 1 ms ... 2.5 s: suits inter-token latency.
  static LatencyHistogram ForTokenLatency();

  void Observe(double value_ms);

  std::span<const double> bounds_ms() const { return bounds_ms_; }
  // counts()[i]: observations <= bounds_ms()[i] and > the previous bound;
  // the last entry counts those above every bound. Not cumulative.
  std::span<const std::int64_t> counts() const { return counts_; }
  std::int64_t count() const { return count_; }
  double sum_ms() const { return sum_ms_; }
  // Upper bound of the bucket holding quantile q (0..1); 0 when empty;
  // the largest bound when q falls in the +Inf bucket.
  double QuantileUpperBoundMs(double q) const;

 private:
  std::vector<double> bounds_ms_;
  std::vector<std::int64_t> counts_;
  std::int64_t count_ = 0;
  double sum_ms_ = 0;
};

struct EngineMetrics {
  // Gauges.
  int queue_length = 0;       // submitted, not yet running (includes preempted)
  int running_sequences = 0;  // in the running set
  int kv_blocks_used = 0;     // referenced by some sequence
  int kv_blocks_total = 0;
  int kv_blocks_cached = 0;  // unreferenced but holding a reusable prefix
  int kv_block_tokens = 0;

  // Counters since start.
  std::int64_t prefix_cache_queries = 0;
  std::int64_t prefix_cache_hits = 0;
  std::int64_t prefix_cache_query_tokens = 0;
  std::int64_t prefix_cache_hit_tokens = 0;
  std::int64_t prompt_tokens = 0;            // prompt tokens of admitted requests
  std::int64_t prefill_tokens_computed = 0;  // prompt/recompute tokens run through the model
  std::int64_t generated_tokens = 0;
  std::int64_t preemptions = 0;
  std::int64_t steps = 0;
  std::int64_t requests_submitted = 0;
  std::int64_t requests_rejected = 0;  // refused by Submit (too long, overloaded, invalid)
  std::int64_t requests_finished_stop = 0;
  std::int64_t requests_finished_length = 0;
  std::int64_t requests_cancelled = 0;
  std::int64_t requests_failed = 0;

  LatencyHistogram time_to_first_token = LatencyHistogram::ForRequestLatency();
  LatencyHistogram inter_token_latency = LatencyHistogram::ForTokenLatency();
  LatencyHistogram end_to_end_latency = LatencyHistogram::ForRequestLatency();
};

}  // namespace citadel::engine

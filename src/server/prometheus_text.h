// Renders the engines' metrics snapshots and the server's HTTP counters in
// the Prometheus text exposition format (version 0.0.4).
//
// Names follow vLLM's where vLLM has one, so dashboards and alerts written
// for vLLM work unchanged (every series carries model_name="<id>"):
//   vllm:num_requests_running / vllm:num_requests_waiting     gauges
//   vllm:kv_cache_usage_perc                                  gauge, 0..1
//   vllm:prompt_tokens_total / vllm:generation_tokens_total   counters
//   vllm:time_to_first_token_seconds                          histogram
//   vllm:inter_token_latency_seconds                          histogram
//   vllm:e2e_request_latency_seconds                          histogram
//   vllm:num_preemptions_total, vllm:prefix_cache_queries_total,
//   vllm:prefix_cache_hits_total (tokens), vllm:request_success_total{finished_reason}
// and citadel_* for what vLLM lacks (HTTP answers by status class, aborted
// streams, open connections, refused requests).
//
// Pure function; thread-safe.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "engine/engine_metrics.h"

namespace citadel::server {

struct HttpMetricsSnapshot {
  std::int64_t responses_by_class[5] = {0, 0, 0, 0, 0};  // 1xx..5xx
  std::int64_t streams_aborted = 0;
  int open_connections = 0;
  int in_flight = 0;
};

std::string RenderPrometheus(
    const std::vector<std::pair<std::string, engine::EngineMetrics>>& engines,
    const HttpMetricsSnapshot& http);

}  // namespace citadel::server

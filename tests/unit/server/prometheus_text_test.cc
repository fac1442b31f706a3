// Prometheus exposition: vLLM-compatible names, labels, cumulative buckets.
#include "server/prometheus_text.h"

#include <gtest/gtest.h>

namespace citadel::server {
namespace {

TEST(PrometheusTextTest, EngineSeriesUseVllmNames) {
  engine::EngineMetrics m;
  m.running_sequences = 3;
  m.queue_length = 2;
  m.kv_blocks_used = 25;
  m.kv_blocks_total = 100;
  m.prompt_tokens = 120;
  m.generated_tokens = 45;
  m.requests_finished_stop = 4;
  m.time_to_first_token.Observe(3);     // 3 ms
  m.time_to_first_token.Observe(5000);  // 5 s
  const std::string text = RenderPrometheus({{"tiny", m}}, {});
  for (const char* line : {
           "vllm:num_requests_running{model_name=\"tiny\"} 3\n",
           "vllm:num_requests_waiting{model_name=\"tiny\"} 2\n",
           "vllm:kv_cache_usage_perc{model_name=\"tiny\"} 0.25\n",
           "vllm:prompt_tokens_total{model_name=\"tiny\"} 120\n",
           "vllm:generation_tokens_total{model_name=\"tiny\"} 45\n",
           "vllm:request_success_total{model_name=\"tiny\",finished_reason=\"stop\"} 4\n",
           "vllm:time_to_first_token_seconds_bucket{model_name=\"tiny\",le=\"+Inf\"} 2\n",
           "vllm:time_to_first_token_seconds_count{model_name=\"tiny\"} 2\n",
           "# TYPE vllm:inter_token_latency_seconds histogram\n",
       }) {
    EXPECT_NE(text.find(line), std::string::npos) << line;
  }
}

TEST(PrometheusTextTest, BucketsAreCumulative) {
  engine::EngineMetrics m;
  m.inter_token_latency.Observe(0.5);
  m.inter_token_latency.Observe(0.5);
  m.inter_token_latency.Observe(1000);
  const std::string text = RenderPrometheus({{"x", m}}, {});
  // The first bucket (1 ms) holds both small values; +Inf holds all three.
  const std::string first =
      "vllm:inter_token_latency_seconds_bucket{model_name=\"x\",le=\"0.001\"} 2";
  EXPECT_NE(text.find(first), std::string::npos) << text;
  EXPECT_NE(text.find("vllm:inter_token_latency_seconds_bucket{model_name=\"x\",le=\"+Inf\"} 3"),
            std::string::npos);
}

TEST(PrometheusTextTest, LabelValuesAreEscaped) {
  const std::string text = RenderPrometheus({{"we\"ird\\", engine::EngineMetrics{}}}, {});
  EXPECT_NE(text.find("model_name=\"we\\\"ird\\\\\""), std::string::npos);
}

}  // namespace
}  // namespace citadel::server

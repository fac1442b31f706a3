#include "server/prometheus_text.h"

#include <cstdio>
#include <functional>

namespace citadel::server {
namespace {

using Engines = std::vector<std::pair<std::string, engine::EngineMetrics>>;

std::string Number(double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), "%.17g", value);
  return buffer;
}

// Label values escape backslash, quote and newline.
std::string Label(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

void Header(std::string& out, const char* name, const char* type, const char* help) {
  out += "# HELP ";
  out += name;
  out += " ";
  out += help;
  out += "\n# TYPE ";
  out += name;
  out += " ";
  out += type;
  out += "\n";
}

void Scalar(std::string& out, const Engines& engines, const char* name, const char* type,
            const char* help, const std::function<double(const engine::EngineMetrics&)>& value) {
  Header(out, name, type, help);
  for (const auto& [model, m] : engines) {
    out += std::string(name) + "{model_name=\"" + Label(model) + "\"} " + Number(value(m)) + "\n";
  }
}

void Histogram(
    std::string& out, const Engines& engines, const char* name, const char* help,
    const std::function<const engine::LatencyHistogram&(const engine::EngineMetrics&)>& pick) {
  Header(out, name, "histogram", help);
  for (const auto& [model, m] : engines) {
    const engine::LatencyHistogram& h = pick(m);
    const std::string labels = "model_name=\"" + Label(model) + "\"";
    std::int64_t cumulative = 0;
    for (size_t i = 0; i < h.bounds_ms().size(); ++i) {
      cumulative += h.counts()[i];
      out += std::string(name) + "_bucket{" + labels + ",le=\"" +
             Number(h.bounds_ms()[i] / 1000.0) + "\"} " + std::to_string(cumulative) + "\n";
    }
    out += std::string(name) + "_bucket{" + labels + ",le=\"+Inf\"} " + std::to_string(h.count()) +
           "\n";
    out += std::string(name) + "_sum{" + labels + "} " + Number(h.sum_ms() / 1000.0) + "\n";
    out += std::string(name) + "_count{" + labels + "} " + std::to_string(h.count()) + "\n";
  }
}

void RequestSuccess(std::string& out, const Engines& engines) {
  const char* name = "vllm:request_success_total";
  Header(out, name, "counter", "Finished requests by finish reason.");
  for (const auto& [model, m] : engines) {
    const std::pair<const char*, std::int64_t> reasons[] = {{"stop", m.requests_finished_stop},
                                                            {"length", m.requests_finished_length},
                                                            {"abort", m.requests_cancelled},
                                                            {"error", m.requests_failed}};
    for (const auto& [reason, count] : reasons) {
      out += std::string(name) + "{model_name=\"" + Label(model) + "\",finished_reason=\"" +
             reason + "\"} " + std::to_string(count) + "\n";
    }
  }
}

void EngineSeries(std::string& out, const Engines& engines) {
  using M = engine::EngineMetrics;
  Scalar(out, engines, "vllm:num_requests_running", "gauge", "Requests being decoded.",
         [](const M& m) { return m.running_sequences; });
  Scalar(out, engines, "vllm:num_requests_waiting", "gauge", "Requests waiting to run.",
         [](const M& m) { return m.queue_length; });
  Scalar(out, engines, "vllm:kv_cache_usage_perc", "gauge",
         "Fraction of KV-cache blocks in use (1 = full).", [](const M& m) {
           return m.kv_blocks_total > 0 ? static_cast<double>(m.kv_blocks_used) / m.kv_blocks_total
                                        : 0.0;
         });
  Scalar(out, engines, "vllm:prompt_tokens_total", "counter", "Prompt tokens of admitted requests.",
         [](const M& m) { return static_cast<double>(m.prompt_tokens); });
  Scalar(out, engines, "vllm:generation_tokens_total", "counter", "Generated tokens.",
         [](const M& m) { return static_cast<double>(m.generated_tokens); });
  Scalar(out, engines, "vllm:num_preemptions_total", "counter", "Preemptions (KV exhausted).",
         [](const M& m) { return static_cast<double>(m.preemptions); });
  Scalar(out, engines, "vllm:prefix_cache_queries_total", "counter",
         "Prompt tokens looked up in the prefix cache.",
         [](const M& m) { return static_cast<double>(m.prefix_cache_query_tokens); });
  Scalar(out, engines, "vllm:prefix_cache_hits_total", "counter",
         "Prompt tokens served from the prefix cache.",
         [](const M& m) { return static_cast<double>(m.prefix_cache_hit_tokens); });
  Scalar(out, engines, "citadel_requests_rejected_total", "counter",
         "Requests refused at submission (too long, queue full, invalid).",
         [](const M& m) { return static_cast<double>(m.requests_rejected); });
  RequestSuccess(out, engines);
  Histogram(out, engines, "vllm:time_to_first_token_seconds", "Time to first token.",
            [](const M& m) -> const engine::LatencyHistogram& { return m.time_to_first_token; });
  Histogram(out, engines, "vllm:inter_token_latency_seconds", "Time between output tokens.",
            [](const M& m) -> const engine::LatencyHistogram& { return m.inter_token_latency; });
  Histogram(out, engines, "vllm:e2e_request_latency_seconds", "End-to-end request latency.",
            [](const M& m) -> const engine::LatencyHistogram& { return m.end_to_end_latency; });
}

}  // namespace

std::string RenderPrometheus(const Engines& engines, const HttpMetricsSnapshot& http) {
  std::string out;
  EngineSeries(out, engines);
  Header(out, "citadel_http_responses_total", "counter", "HTTP responses by status class.");
  for (int cls = 1; cls <= 5; ++cls) {
    out += "citadel_http_responses_total{code=\"" + std::to_string(cls) + "xx\"} " +
           std::to_string(http.responses_by_class[cls - 1]) + "\n";
  }
  Header(out, "citadel_http_streams_aborted_total", "counter",
         "Requests whose client went away before the answer was complete.");
  out += "citadel_http_streams_aborted_total " + std::to_string(http.streams_aborted) + "\n";
  Header(out, "citadel_http_open_connections", "gauge", "Open client connections.");
  out += "citadel_http_open_connections " + std::to_string(http.open_connections) + "\n";
  Header(out, "citadel_http_requests_in_flight", "gauge", "Requests being answered.");
  out += "citadel_http_requests_in_flight " + std::to_string(http.in_flight) + "\n";
  return out;
}

}  // namespace citadel::server

// GET /metrics: Prometheus text (see prometheus_text.h).
#include "server/handlers.h"
#include "server/prometheus_text.h"

namespace citadel::server {
namespace {

// citadel_policy_hits_total{kind,action}: every PII value and lexicon term
// the content policy acted on.
std::string PolicyMetricsText(const security::PolicyEnforcer& policy) {
  using security::HitAction;
  using security::HitKind;
  std::string out =
      "# HELP citadel_policy_hits_total Content-policy hits (PII values, lexicon terms) by "
      "kind and action.\n# TYPE citadel_policy_hits_total counter\n";
  for (const HitKind kind : {HitKind::kPii, HitKind::kInputWord, HitKind::kOutputWord}) {
    for (const HitAction action : {HitAction::kMask, HitAction::kBlock, HitAction::kStop}) {
      out += "citadel_policy_hits_total{kind=\"" + std::string(security::HitKindName(kind)) +
             "\",action=\"" + std::string(security::HitActionName(action)) + "\"} " +
             std::to_string(policy.hits(kind, action)) + "\n";
    }
  }
  return out;
}

}  // namespace

HttpResponse HandleMetrics(ServerState& state) {
  HttpMetricsSnapshot http;
  for (int cls = 1; cls <= 5; ++cls) http.responses_by_class[cls - 1] = state.http.count(cls);
  http.streams_aborted = state.http.aborted();
  http.open_connections = state.open_connections.load();
  http.in_flight = state.in_flight.load();
  std::string body = RenderPrometheus(state.models.Metrics(), http);
  if (state.policy) body += PolicyMetricsText(*state.policy);
  return {200, "text/plain; version=0.0.4; charset=utf-8", std::move(body), {}};
}

}  // namespace citadel::server

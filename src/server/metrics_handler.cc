// GET /metrics: Prometheus text (see prometheus_text.h).
#include "server/handlers.h"
#include "server/prometheus_text.h"

namespace citadel::server {

HttpResponse HandleMetrics(ServerState& state) {
  HttpMetricsSnapshot http;
  for (int cls = 1; cls <= 5; ++cls) http.responses_by_class[cls - 1] = state.http.count(cls);
  http.streams_aborted = state.http.aborted();
  http.open_connections = state.open_connections.load();
  http.in_flight = state.in_flight.load();
  return {200,
          "text/plain; version=0.0.4; charset=utf-8",
          RenderPrometheus(state.models.Metrics(), http),
          {}};
}

}  // namespace citadel::server

#include "server/server_runner.h"

#include <cstdio>
#include <thread>

#include "runtime/served_model.h"
#include "server/audit_stage.h"
#include "server/http_server.h"
#include "server/model_registry.h"
#include "server/policy_setup.h"
#include "server/request_log.h"
#include "server/server_state.h"
#include "server/store_setup.h"

namespace citadel::server {
namespace {

// InvalidArgument naming the setting for a bad tls.* value.
Result<TlsOptions> TlsOptionsFrom(const Settings& s) {
  TlsOptions o;
  o.files = {s.GetString("tls.cert"), s.GetString("tls.key"), s.GetString("tls.client_ca")};
  CITADEL_ASSIGN_OR_RETURN(o.files.min_version,
                           security::ParseTlsVersion(s.GetString("tls.min_version")));
  o.self_signed = s.GetBool("tls.self_signed");
  if (o.self_signed && !o.files.cert_path.empty()) {
    return InvalidArgumentError("tls.self_signed and tls.cert exclude each other");
  }
  if (o.self_signed && !o.files.client_ca_path.empty()) {
    return InvalidArgumentError("tls.client_ca needs tls.cert and tls.key, not tls.self_signed");
  }
  o.enabled = o.self_signed || !o.files.cert_path.empty() || !o.files.key_path.empty() ||
              !o.files.client_ca_path.empty();
  return o;
}

// InvalidArgument naming the setting for a bad network.* value.
Result<HttpServerOptions> HttpOptionsFrom(const Settings& s) {
  HttpServerOptions o;
  o.host = s.GetString("server.host");
  o.port = static_cast<int>(s.GetInt("server.port"));
  o.io_threads = static_cast<int>(s.GetInt("server.io_threads"));
  o.max_connections = static_cast<int>(s.GetInt("server.max_connections"));
  o.max_header_bytes = s.GetInt("server.max_header_bytes");
  o.max_body_bytes = s.GetInt("server.max_body_bytes");
  o.read_timeout_s = static_cast<int>(s.GetInt("server.read_timeout_s"));
  o.idle_timeout_s = static_cast<int>(s.GetInt("server.idle_timeout_s"));
  o.request_timeout_s = static_cast<int>(s.GetInt("server.request_timeout_s"));
  o.shutdown_grace_s = static_cast<int>(s.GetInt("server.shutdown_grace_s"));
  CITADEL_ASSIGN_OR_RETURN(o.network, security::NetworkPolicy::Create(
                                          {s.GetList("network.allow"), s.GetList("network.deny"),
                                           s.GetList("network.trusted_proxies")}));
  CITADEL_ASSIGN_OR_RETURN(o.network_refuse, ParseRefuseMode(s.GetString("network.refuse")));
  CITADEL_ASSIGN_OR_RETURN(o.tls, TlsOptionsFrom(s));
  CITADEL_ASSIGN_OR_RETURN(o.cors, CorsPolicy::Create(s.GetList("server.cors_origins")));
  return o;
}

// InvalidArgument for an engine.kv_cache_type other than f16 or q8_0.
Result<engine::EngineOptions> EngineOptionsFrom(const Settings& s) {
  engine::EngineOptions o;
  o.max_running = static_cast<int>(s.GetInt("engine.max_running"));
  o.max_batch_tokens = static_cast<int>(s.GetInt("engine.max_batch_tokens"));
  o.max_queue = static_cast<int>(s.GetInt("engine.max_queue"));
  o.context_length = static_cast<int>(s.GetInt("engine.context_length"));
  o.kv_cache_memory_bytes = s.GetInt("engine.kv_cache_mib") * 1024 * 1024;
  o.block_tokens = static_cast<int>(s.GetInt("engine.block_tokens"));
  auto kv_type = runtime::ParseKvCacheType(s.GetString("engine.kv_cache_type"));
  if (!kv_type.ok()) return kv_type.status().WithContext("setting engine.kv_cache_type");
  o.kv_cache_type = *kv_type;
  return o;
}

void LogEvent(const std::string& level, const std::string& event, const std::string& message) {
  const std::string line = EventLogLine(level, event, message);
  std::fwrite(line.data(), 1, line.size(), stderr);
}

// Loads every model in order; on the first failure marks the registry failed
// and returns the error.
Status LoadModels(const Settings& settings, const engine::EngineOptions& options,
                  ServerState& state) {
  const std::vector<std::string>& paths = settings.GetList("model.paths");
  const std::vector<std::string>& aliases = settings.GetList("model.aliases");
  const int threads = static_cast<int>(settings.GetInt("engine.threads"));
  for (size_t i = 0; i < paths.size(); ++i) {
    runtime::ModelSpec spec{paths[i], i < aliases.size() ? aliases[i] : ""};
    auto served = runtime::LoadServedModel(spec, options, threads, [](std::string_view line) {
      LogEvent("warn", "chat_template_fallback", std::string(line));
    });
    if (!served.ok()) {
      state.models.SetState(ModelRegistry::State::kFailed);
      return served.status().WithContext("loading " + paths[i]);
    }
    LogEvent("info", "model_loaded",
             (*served)->id + " from " + paths[i] + ", context " +
                 std::to_string((*served)->engine->layout().context_length) + " tokens, " +
                 std::to_string((*served)->engine->layout().num_blocks) + " KV blocks (" +
                 std::string(runtime::KvCacheTypeName(options.kv_cache_type)) + ")");
    state.models.Add(std::move(served).value());
  }
  state.models.SetState(ModelRegistry::State::kReady);
  return OkStatus();
}

}  // namespace

Status RunServer(const Settings& settings) {
  const std::vector<std::string>& aliases = settings.GetList("model.aliases");
  if (aliases.size() > settings.GetList("model.paths").size()) {
    return InvalidArgumentError("more aliases (" + std::to_string(aliases.size()) +
                                ") than models");
  }
  CITADEL_ASSIGN_OR_RETURN(const engine::EngineOptions engine_options, EngineOptionsFrom(settings));
  ServerState state;
  CITADEL_TRY(SetUpAccess(settings, state));
  CITADEL_TRY(SetUpAudit(settings, state));
  CITADEL_ASSIGN_OR_RETURN(state.policy, PolicyFromSettings(settings));
  state.options.log_requests = settings.GetBool("server.log_requests");
  state.options.log_content = settings.GetBool("server.log_content");
  state.options.max_body_bytes = settings.GetInt("server.max_body_bytes");
  CITADEL_ASSIGN_OR_RETURN(state.rate_limiter,
                           MakeRateLimiter({settings.GetString("ratelimit.backend"),
                                            settings.GetString("ratelimit.on_backend_error")},
                                           state.clock));
  state.rate_limit.default_rpm = settings.GetInt("ratelimit.default_rpm");
  CITADEL_ASSIGN_OR_RETURN(HttpServerOptions http_options, HttpOptionsFrom(settings));
  HttpServer server(state, std::move(http_options));
  CITADEL_TRY(server.Listen());
  const std::string tls = server.TlsDescription();
  const char* scheme = tls.empty() ? "http" : "https";
  const std::string trial = settings.GetBool("tls.self_signed")
                                ? " (TLS with a throw-away self-signed certificate, for trials "
                                  "only: clients must pin it or skip verification)"
                                : "";
  LogEvent("info", "listening",
           std::string(scheme) + "://" + settings.GetString("server.host") + ":" +
               std::to_string(server.port()) + (tls.empty() ? "" : ", " + tls) + trial);
  // The line scripts wait for; also says which port 0 became.
  std::printf("citadel serve: listening on %s://%s:%d%s (%s)\n", scheme,
              settings.GetString("server.host").c_str(), server.port(), trial.c_str(),
              AccessSummary(state.access).c_str());
  std::fflush(stdout);
  if (settings.GetList("model.paths").empty()) {
    LogEvent("warn", "no_model",
             "no model given: /ready answers 503 until one is (serve -m MODEL)");
  }
  Status load_status;
  std::thread loader([&] {
    load_status = LoadModels(settings, engine_options, state);
    if (!load_status.ok()) {
      LogEvent("error", "model_load_failed", load_status.message());
      server.Shutdown();
    }
  });
  server.Run();
  loader.join();
  state.models.StopEngines();
  return load_status;
}

}  // namespace citadel::server

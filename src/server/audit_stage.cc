#include "server/audit_stage.h"

#include <nlohmann/json.hpp>

#include "security/key_authenticator.h"
#include "server/audit_setup.h"

namespace citadel::server {

std::optional<ApiError> AuditGate(ServerState& state) {
  if (state.audit == nullptr) return std::nullopt;
  if (state.audit->config().on_failure != security::AuditOnFailure::kBlock) return std::nullopt;
  if (state.audit->writer().healthy()) return std::nullopt;
  return Unavailable("The audit trail cannot be written; requests are refused until it can",
                     "audit_unavailable");
}

Status AuditRequest(ServerState& state, const AuditFacts& facts) {
  if (state.audit == nullptr) return OkStatus();
  security::AuditRecord record;
  record.time_ms = state.clock.UnixMillis();
  record.request_id = facts.log.id;
  if (const auto& identity = facts.request.context.identity) {
    record.key_id = identity->key_id;
    record.key_prefix = identity->prefix;
    record.user = identity->owner_name;
  }
  record.client_ip = facts.peer;
  if (facts.request.client_address != facts.peer)
    record.forwarded_ip = facts.request.client_address;
  record.method = facts.log.method;
  record.route = facts.log.path;
  record.model = facts.log.model;
  record.status = facts.status;
  record.reason = facts.reason;
  record.finish_reason = facts.log.finish_reason;
  record.prompt_tokens = facts.log.prompt_tokens;
  record.completion_tokens = facts.log.completion_tokens;
  record.cached_tokens = facts.log.cached_tokens;
  record.latency_us = facts.latency_us;
  if (facts.status == 429) record.rate_limit = "limited";
  record.capture = state.audit->config().capture;
  if (record.capture != "none") {
    record.prompt = state.audit->Capture(facts.request.body);
    record.completion = state.audit->Capture(facts.answer);
  }
  auto appended = state.audit->writer().Append(std::move(record));
  if (appended.ok() || state.audit->config().on_failure == security::AuditOnFailure::kContinue) {
    return OkStatus();
  }
  return appended.status();
}

std::string ErrorCodeOf(const HttpResponse& response) {
  if (response.status < 400) return "";
  const auto body = nlohmann::json::parse(response.body, nullptr, false);
  if (!body.is_object() || !body.contains("error") || !body["error"].is_object()) {
    return "http_" + std::to_string(response.status);
  }
  const auto& error = body["error"];
  if (error.contains("code") && error["code"].is_string()) return error["code"];
  if (error.contains("type") && error["type"].is_string()) return error["type"];
  return "http_" + std::to_string(response.status);
}

Status SetUpAudit(const Settings& settings, ServerState& state) {
  CITADEL_ASSIGN_OR_RETURN(const AuditConfig config, AuditConfigFrom(settings));
  if (!config.enabled || state.store == nullptr) return OkStatus();
  CITADEL_ASSIGN_OR_RETURN(state.audit, AuditService::Start(config, *state.store, state.clock));
  return OkStatus();
}

}  // namespace citadel::server

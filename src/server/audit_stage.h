// The audit trail on the request path (issue 17).
//
//   Dispatch:  if (auto e = AuditGate(state)) -> answer 503 (writes failing, block)
//   answer:    AuditRequest(state, facts) before the response's last bytes go
//              out: with audit.sync = every it returns once the record is
//              durable, so no response is complete before its record is.
//
// Every request gets one record, answered or refused (401/403/404/413/429,
// the allowlist, the audit gate itself), with the error body's code as its
// reason.
//
// Free functions; thread-safe (the AuditService is).
#pragma once

#include <optional>
#include <string>

#include "server/api_error.h"
#include "server/config.h"
#include "server/http_types.h"
#include "server/request_log.h"
#include "server/server_state.h"
#include "util/status.h"

namespace citadel::server {

// What the connection knows of one request when it is answered.
struct AuditFacts {
  const RequestLogRecord& log;
  const HttpRequest& request;
  std::string peer;  // the TCP peer
  int status = 0;
  std::string reason;  // the error code, or why it was refused
  std::int64_t latency_us = 0;
  std::string answer;  // the completion text (captured only as audit.capture says)
};

// 503 service_unavailable / audit_unavailable while records cannot be
// written and audit.on_failure = block; nullopt otherwise.
std::optional<ApiError> AuditGate(ServerState& state);

// OK when audit is off or the record was taken; Unavailable when it could not
// be and audit.on_failure = block (the caller answers 503 instead, if it still
// can).
Status AuditRequest(ServerState& state, const AuditFacts& facts);

// The "code" (else "type") of an OpenAI error body; "" for a success.
std::string ErrorCodeOf(const HttpResponse& response);

// Starts state.audit from the audit.* settings (nothing when audit.enabled
// is false). Needs state.store.
Status SetUpAudit(const Settings& settings, ServerState& state);

}  // namespace citadel::server

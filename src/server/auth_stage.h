// The pipeline's authenticate and authorise stages (accept -> allowlist ->
// TLS -> parse -> authenticate -> authorise -> rate-limit -> handler).
//
//   const RouteAccess access = AccessOf(path, state.access);
//   if (auto e = AuthenticateStage(access, state.keys.get(), request)) -> answer *e
//   if (auto e = AuthoriseStage(access, request.context)) -> answer *e
//   ... the handler calls AuthoriseModel(request.context, model) once it
//       knows the model the body names.
//
// What a route needs (AccessOf):
//   /health, /ready                      nothing
//   /metrics                             nothing, or any valid key when metrics.require_key
//   /v1/chat/completions                 scope chat
//   /v1/completions                      scope completions
//   /v1/models, /v1/models/{id}          scope models:read
//   /v1/embeddings                       scope embeddings
//   /admin/v1/audit...                   scope audit:read
//   /admin/...                           scope admin
//   anything else (/tokenize, unknown)   any valid key
// Under auth.mode = none only /admin still needs a key: "none" opens the
// model API on loopback, never key and user management.
//
// The key comes from "Authorization: Bearer cit_..." or, when that header
// is absent, "x-api-key: cit_...". Refusals use the OpenAI error body:
//   401 invalid_request_error / invalid_api_key   missing, malformed, unknown,
//                                                 revoked or expired key
//   403 permission_error / insufficient_scope     the route's scope is missing
//   403 permission_error / insufficient_role      admin (audit:read) on a key whose
//                                                 owner is not an admin (nor auditor)
//   403 permission_error / model_not_allowed      the key may not use the model
//   503 service_unavailable / store_unavailable   the store cannot be reached
// Messages never contain the key (the 8-character prefix may appear).
//
// Free functions; thread-safe (KeyAuthenticator is).
#pragma once

#include <optional>
#include <string_view>

#include "security/api_key.h"
#include "security/key_authenticator.h"
#include "server/api_error.h"
#include "server/http_types.h"
#include "util/status.h"

namespace citadel::server {

enum class AuthMode { kKeys, kNone };

// "keys" or "none"; InvalidArgument naming auth.mode otherwise.
Result<AuthMode> ParseAuthMode(std::string_view text);

struct AccessOptions {
  // The in-process default is kNone so that a bare ServerState (unit tests)
  // needs no store; `citadel serve` always sets it from auth.mode, whose
  // default is keys.
  AuthMode mode = AuthMode::kNone;
  bool metrics_require_key = false;
};

struct RouteAccess {
  bool needs_key = false;
  std::optional<security::Scope> scope;  // nullopt: any valid key will do
};

// `path` without its query.
RouteAccess AccessOf(std::string_view path, const AccessOptions& options);

// Sets request.context.identity from the presented key when the route needs
// one; the error to answer with otherwise. `keys` may be null only when no
// route needs a key (503 otherwise).
std::optional<ApiError> AuthenticateStage(const RouteAccess& access,
                                          security::KeyAuthenticator* keys, HttpRequest& request);

// 403 when the route's scope is not among the key's, or is admin or
// audit:read and the key's owner lacks the role for it.
std::optional<ApiError> AuthoriseStage(const RouteAccess& access, const RequestContext& context);

// 403 when the key may not use `model`; nullopt when it may or no key
// applies (auth.mode = none).
std::optional<ApiError> AuthoriseModel(const RequestContext& context, std::string_view model);

// Whether the request's key (if any) may see `model` in /v1/models.
bool ModelVisible(const RequestContext& context, std::string_view model);

}  // namespace citadel::server

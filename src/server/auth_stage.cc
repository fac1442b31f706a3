#include "server/auth_stage.h"

#include <cctype>
#include <string>

namespace citadel::server {
namespace {

constexpr std::string_view kKeyHint = "send it as 'Authorization: Bearer cit_...' or 'x-api-key'";

ApiError Forbidden(std::string message, std::string code) {
  return {403, std::move(message), "permission_error", "", std::move(code)};
}

bool EqualsIgnoringCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

std::string_view TrimSpaces(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// The presented key, or the 401 for a missing one or a header that is not
// "Bearer <token>". The Authorization header wins when both are sent.
ApiResult<std::string_view> PresentedKeyOf(const HttpRequest& request) {
  if (!request.authorization.empty()) {
    const std::string_view header = TrimSpaces(request.authorization);
    const size_t space = header.find(' ');
    if (space == std::string_view::npos || !EqualsIgnoringCase(header.substr(0, space), "bearer")) {
      return Unauthorized("The Authorization header is not 'Bearer <key>'; " +
                          std::string(kKeyHint));
    }
    const std::string_view token = TrimSpaces(header.substr(space + 1));
    if (token.empty()) return Unauthorized("The Authorization header carries no key");
    return token;
  }
  const std::string_view header = TrimSpaces(request.api_key_header);
  if (!header.empty()) return header;
  return Unauthorized("Missing API key: " + std::string(kKeyHint));
}

// A user's key never does more than its owner's role allows: admin needs an
// admin, audit:read an admin or auditor. Service keys (no owner) carry
// whatever scopes an administrator gave them.
bool OwnerRoleAllows(const security::KeyIdentity& key, security::Scope scope) {
  if (!key.owner_role) return true;
  const store::Role role = *key.owner_role;
  if (scope == security::Scope::kAdmin) return role == store::Role::kAdmin;
  if (scope == security::Scope::kAuditRead) {
    return role == store::Role::kAdmin || role == store::Role::kAuditor;
  }
  return true;
}

}  // namespace

Result<AuthMode> ParseAuthMode(std::string_view text) {
  if (text == "keys") return AuthMode::kKeys;
  if (text == "none") return AuthMode::kNone;
  return InvalidArgumentError("setting auth.mode: '" + std::string(text) + "' is not keys or none");
}

RouteAccess AccessOf(std::string_view path, const AccessOptions& options) {
  using security::Scope;
  if (path == "/health" || path == "/ready") return {false, std::nullopt};
  if (path == "/metrics") return {options.metrics_require_key, std::nullopt};
  if (path.starts_with("/admin/v1/audit")) return {true, Scope::kAuditRead};
  if (path == "/admin" || path.starts_with("/admin/")) return {true, Scope::kAdmin};
  const bool needs_key = options.mode == AuthMode::kKeys;
  if (path == "/v1/chat/completions") return {needs_key, Scope::kChat};
  if (path == "/v1/completions") return {needs_key, Scope::kCompletions};
  if (path == "/v1/models" || path.starts_with("/v1/models/")) {
    return {needs_key, Scope::kModelsRead};
  }
  if (path == "/v1/embeddings") return {needs_key, Scope::kEmbeddings};
  return {needs_key, std::nullopt};
}

std::optional<ApiError> AuthenticateStage(const RouteAccess& access,
                                          security::KeyAuthenticator* keys, HttpRequest& request) {
  if (!access.needs_key) return std::nullopt;
  ApiResult<std::string_view> presented = PresentedKeyOf(request);
  if (!presented.ok()) return presented.error();
  if (keys == nullptr) {
    return Unavailable("This server has no key store to check API keys against",
                       "store_unavailable");
  }
  auto identity = keys->Authenticate(*presented, request.client_address);
  if (identity.ok()) {
    request.context.identity = std::move(identity).value();
    return std::nullopt;
  }
  if (identity.status().code() == StatusCode::kUnauthenticated) {
    return Unauthorized(identity.status().message());
  }
  if (identity.status().code() == StatusCode::kUnavailable) {
    return Unavailable("The key store cannot be reached; retry shortly", "store_unavailable");
  }
  return FromStatus(identity.status());
}

std::optional<ApiError> AuthoriseStage(const RouteAccess& access, const RequestContext& context) {
  if (!access.scope || context.identity == nullptr) return std::nullopt;
  const security::KeyIdentity& key = *context.identity;
  if (!key.HasScope(*access.scope)) {
    return Forbidden("API key cit_" + key.prefix + "... lacks the scope '" +
                         std::string(security::ScopeName(*access.scope)) + "' this route needs",
                     "insufficient_scope");
  }
  if (!OwnerRoleAllows(key, *access.scope)) {
    return Forbidden("API key cit_" + key.prefix + "... belongs to '" + key.owner_name +
                         "', whose role " + std::string(store::RoleName(*key.owner_role)) +
                         " may not use the scope '" +
                         std::string(security::ScopeName(*access.scope)) + "'",
                     "insufficient_role");
  }
  return std::nullopt;
}

std::optional<ApiError> AuthoriseModel(const RequestContext& context, std::string_view model) {
  if (ModelVisible(context, model)) return std::nullopt;
  return Forbidden("API key cit_" + context.identity->prefix + "... may not use the model '" +
                       std::string(model) + "'",
                   "model_not_allowed");
}

bool ModelVisible(const RequestContext& context, std::string_view model) {
  return context.identity == nullptr || context.identity->AllowsModel(model);
}

}  // namespace citadel::server

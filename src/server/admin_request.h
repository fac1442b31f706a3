// Request bodies and path parts of the admin REST API (/admin/v1/), parsed
// and validated at the edge into plain structs; every problem is a 400
// ApiError naming the field. Unknown fields are refused (a misspelt
// "scope" must not silently issue a key without scopes).
//
//   POST /admin/v1/users          {"name", "display_name"?, "role"?, "password"?}
//   POST /admin/v1/users/N/password  {"password"?}      (absent: generated)
//   POST /admin/v1/keys           {"name", "scopes": [...], "user"?, "models"?: [...] | null,
//                                  "rpm"?, "tpm"?, "streams"?, "expires"?: "90d" | "expires_at"?}
//
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "security/key_issuer.h"
#include "server/api_error.h"
#include "store/store.h"

namespace citadel::server {

struct AdminUserRequest {
  std::string name;
  std::string display_name;
  store::Role role = store::Role::kUser;
  std::optional<std::string> password;  // nullopt: generate one
};

struct AdminKeyRequest {
  security::KeySpec spec;  // owner_user_id unset; `user` names the owner
  std::string user;        // empty: a service key
  std::string expires;     // a lifetime ("90d"), empty when none or expires_at given
};

ApiResult<AdminUserRequest> ParseAdminUserRequest(std::string_view body);
// The new password, nullopt for one to be generated; an empty body is allowed.
ApiResult<std::optional<std::string>> ParseAdminPasswordRequest(std::string_view body);
ApiResult<AdminKeyRequest> ParseAdminKeyRequest(std::string_view body);

// A path segment or query value with %XX escapes decoded ('+' is a space
// only in queries); 400 for a malformed escape.
ApiResult<std::string> PercentDecode(std::string_view text, bool query);

// The decoded value of `name` in the query of `target` ("/x?user=ada"), or
// empty when absent.
ApiResult<std::string> QueryParameter(std::string_view target, std::string_view name);

}  // namespace citadel::server

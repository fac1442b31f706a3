// The admin REST API under /admin/v1/ (JSON; the router has already checked
// the `admin` scope):
//
//   GET  /admin/v1/users                    {"object":"list","data":[user...]}
//   POST /admin/v1/users                    201 user (+"password" when generated)
//   GET  /admin/v1/users/{name}             user
//   POST /admin/v1/users/{name}/disable     user (their keys stop working at once)
//   POST /admin/v1/users/{name}/enable      user
//   POST /admin/v1/users/{name}/password    user (+"password" when generated)
//   GET  /admin/v1/keys[?user=NAME]         {"object":"list","data":[key...]}
//   POST /admin/v1/keys                     201 key with "key" (the secret, shown once)
//   GET  /admin/v1/keys/{id}                key
//   POST /admin/v1/keys/{id}/revoke         key (idempotent)
//
// The records have the shapes of `citadel users|keys --json` (admin_json.h);
// bodies are admin_request.h's. Errors are OpenAI error bodies: 400 for a
// bad body or field, 404 for an unknown user, key or route, 405 for a wrong
// method, 409 for a name already taken, 503 when the store is unreachable.
//
// Called on an I/O thread; thread-safe (the store is).
#pragma once

#include <string_view>

#include "server/http_types.h"
#include "server/server_state.h"

namespace citadel::server {

// `path` is the request path without its query.
HttpResponse HandleAdmin(ServerState& state, const HttpRequest& request, std::string_view path);

}  // namespace citadel::server

// Opening the store a run's settings name, shared by `citadel serve` and the
// `citadel users` / `citadel keys` commands so both find the same database:
// store.url when set, else sqlite:STORE.DATA_DIR/citadel.db (default
// ./citadel-data). On a store without users the first `admin` account is
// created (password from CITADEL_ADMIN_PASSWORD, else a random one that is
// printed once on stderr, the only place it ever appears).
//
// SetUpAccess is what `serve` does with it: the store, the key
// authenticator and the auth.* / metrics.* settings into the ServerState.
//
// Thread-compatible free functions, called once at start-up.
#pragma once

#include <memory>

#include "server/config.h"
#include "server/server_state.h"
#include "store/store.h"
#include "util/status.h"

namespace citadel::server {

// The store's errors with the (redacted) URL as context: DataLoss for a
// corrupt file, FailedPrecondition for a newer schema or a read-only file,
// Unavailable for an unreachable database; InvalidArgument for a bad URL or
// a CITADEL_ADMIN_PASSWORD that is too short.
Result<std::unique_ptr<store::Store>> OpenStoreFromSettings(const Settings& settings);

// Whether `host` (server.host) reaches this machine only: localhost,
// 127.0.0.0/8 or ::1.
bool IsLoopbackHost(std::string_view host);

// Opens the store and fills state.store, state.keys and state.access.
// InvalidArgument for a bad auth.mode or for auth.mode = none on a host
// that is not loopback; OpenStoreFromSettings's errors otherwise.
Status SetUpAccess(const Settings& settings, ServerState& state);

// For the start-up line: "API keys required" or what auth.mode = none opens.
std::string AccessSummary(const AccessOptions& access);

}  // namespace citadel::server

// Issuing API keys: validates what the key may do, generates the secret,
// stores only its hash and prefix, and hands the key back exactly once.
// Used by `citadel keys create` and POST /admin/v1/keys.
//
// Thread-safe free functions (the Store is).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/store.h"
#include "util/status.h"

namespace citadel::security {

struct KeySpec {
  std::string name;
  std::optional<std::int64_t> owner_user_id;
  std::vector<std::string> scopes;                         // names; see api_key.h
  std::optional<std::vector<std::string>> allowed_models;  // nullopt: every model
  std::optional<std::int64_t> expires_at;                  // Unix seconds
  store::KeyLimits limits;
};

struct IssuedKey {
  std::string key;  // "cit_..." — shown once, never stored
  store::ApiKey record;
};

// InvalidArgument for an unknown scope, an empty scope list or an expiry not
// in the future; the store's errors otherwise (NotFound for an unknown owner).
Result<IssuedKey> IssueKey(store::Store& store, const KeySpec& spec, std::int64_t now);

// A lifetime such as "90d", "12h", "30m", "2w" or "3600s" (or a bare number
// of seconds) in seconds. InvalidArgument for anything else or zero.
Result<std::int64_t> ParseKeyLifetime(std::string_view text);

}  // namespace citadel::security

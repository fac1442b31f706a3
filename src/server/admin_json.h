// JSON for the identity records, shared by the admin REST API and the
// `citadel users` / `citadel keys` commands so both print the same shape.
// Secrets never appear: a key shows its prefix only (the key itself once,
// added by the caller at creation), a user never shows a password hash.
//
// Pure functions; thread-safe.
#pragma once

#include <nlohmann/json.hpp>

#include "store/store.h"

namespace citadel::server {

// {"id","name","display_name","role","disabled","created_at","last_login_at"}
nlohmann::ordered_json UserJson(const store::User& user);

// {"id","name","prefix","owner","scopes","models","expires_at",
//  "limits":{"rpm","tpm","streams"},"revoked","created_at","revoked_at",
//  "last_used_at","last_used_ip"}; absent values are null, "models" null = all.
nlohmann::ordered_json KeyJson(const store::ApiKey& key);

// A new key: {"id","key",...} with the secret right after the id, then the
// rest of KeyJson. The only time the secret is ever returned.
nlohmann::ordered_json IssuedKeyJson(const store::ApiKey& key, const std::string& secret);

// UserJson plus "password" when one was generated for it (shown once).
nlohmann::ordered_json UserJson(const store::User& user, const std::string& generated_password);

}  // namespace citadel::server

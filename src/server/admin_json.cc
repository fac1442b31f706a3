#include "server/admin_json.h"

namespace citadel::server {
namespace {

nlohmann::ordered_json OrNull(const std::optional<std::int64_t>& value) {
  return value ? nlohmann::ordered_json(*value) : nlohmann::ordered_json(nullptr);
}

}  // namespace

nlohmann::ordered_json UserJson(const store::User& user) {
  return {{"id", user.id},
          {"name", user.name},
          {"display_name", user.display_name},
          {"role", store::RoleName(user.role)},
          {"disabled", user.disabled},
          {"created_at", user.created_at},
          {"last_login_at", OrNull(user.last_login_at)}};
}

nlohmann::ordered_json KeyJson(const store::ApiKey& key) {
  nlohmann::ordered_json models = nullptr;
  if (key.allowed_models) models = *key.allowed_models;
  return {{"id", key.id},
          {"name", key.name},
          {"prefix", "cit_" + key.prefix},
          {"owner", key.owner_user_id ? nlohmann::ordered_json(key.owner_name)
                                      : nlohmann::ordered_json(nullptr)},
          {"scopes", key.scopes},
          {"models", models},
          {"expires_at", OrNull(key.expires_at)},
          {"limits",
           {{"rpm", OrNull(key.limits.requests_per_minute)},
            {"tpm", OrNull(key.limits.tokens_per_minute)},
            {"streams", OrNull(key.limits.concurrent_streams)}}},
          {"revoked", key.revoked},
          {"created_at", key.created_at},
          {"revoked_at", OrNull(key.revoked_at)},
          {"last_used_at", OrNull(key.last_used_at)},
          {"last_used_ip", key.last_used_ip}};
}

nlohmann::ordered_json IssuedKeyJson(const store::ApiKey& key, const std::string& secret) {
  nlohmann::ordered_json out = {{"id", key.id}, {"key", secret}};
  const nlohmann::ordered_json record = KeyJson(key);  // outlives the loop over its items
  for (const auto& [field, value] : record.items()) {
    if (field != "id") out[field] = value;
  }
  return out;
}

nlohmann::ordered_json UserJson(const store::User& user, const std::string& generated_password) {
  nlohmann::ordered_json out = UserJson(user);
  if (!generated_password.empty()) out["password"] = generated_password;
  return out;
}

}  // namespace citadel::server

#include "security/password_bootstrap.h"

namespace citadel::security {

Result<AdminBootstrap> EnsureAdminUser(store::Store& store,
                                       const std::optional<std::string>& password, std::int64_t now,
                                       const Argon2Params& params) {
  CITADEL_ASSIGN_OR_RETURN(const std::int64_t users, store.CountUsers());
  AdminBootstrap bootstrap;
  if (users > 0) return bootstrap;
  std::string chosen;
  if (password) {
    chosen = *password;
  } else {
    CITADEL_ASSIGN_OR_RETURN(chosen, RandomPassword());
    bootstrap.generated_password = chosen;
  }
  auto hash = HashPassword(chosen, params);
  if (!hash.ok()) return hash.status().WithContext("CITADEL_ADMIN_PASSWORD");
  auto created = store.CreateUser({"admin", "Administrator", store::Role::kAdmin, *hash, now});
  if (created.status().code() == StatusCode::kAlreadyExists) return AdminBootstrap{};
  CITADEL_TRY(created.status());
  bootstrap.created = true;
  return bootstrap;
}

}  // namespace citadel::security

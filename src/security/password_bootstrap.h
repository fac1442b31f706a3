// The first administrator: on a store without any user, an `admin` user is
// created so someone can log in and issue keys.
//
// Thread-safe free function; safe when several processes start at once (the
// one that loses the race creates nothing).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "security/password_hasher.h"
#include "store/store.h"
#include "util/status.h"

namespace citadel::security {

struct AdminBootstrap {
  bool created = false;
  // The password generated for it (print it once); empty when none was
  // created or the caller supplied it.
  std::string generated_password;
};

// Creates user "admin" (role admin) when the store has no users. Its
// password is `password` when given (CITADEL_ADMIN_PASSWORD), else a random one.
Result<AdminBootstrap> EnsureAdminUser(store::Store& store,
                                       const std::optional<std::string>& password, std::int64_t now,
                                       const Argon2Params& params = {});

}  // namespace citadel::security

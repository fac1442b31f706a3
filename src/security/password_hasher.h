// Password hashing with argon2id (Debian's libargon2), in the PHC string
// encoding ($argon2id$v=19$m=...,t=...,p=...$salt$hash) so the parameters
// travel with each hash and can be raised later without breaking old ones.
//
// Thread-safe free functions; each hash takes memory_kib of scratch memory.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "util/status.h"

namespace citadel::security {

// The defaults are OWASP's argon2id recommendation (19 MiB, 2 passes, 1 lane).
struct Argon2Params {
  std::uint32_t time_cost = 2;
  std::uint32_t memory_kib = 19 * 1024;
  std::uint32_t parallelism = 1;
};

inline constexpr size_t kMinPasswordChars = 8;
inline constexpr size_t kMaxPasswordBytes = 1024;

// InvalidArgument for a password shorter than kMinPasswordChars bytes or
// longer than kMaxPasswordBytes; Internal when hashing itself fails.
Result<std::string> HashPassword(std::string_view password, const Argon2Params& params = {});

// Whether `password` matches `encoded` (in constant time with respect to the
// password). InvalidArgument when `encoded` is not an argon2id PHC string.
Result<bool> VerifyPassword(std::string_view password, const std::string& encoded);

// A fresh password of `chars` base62 characters from the OS CSPRNG.
Result<std::string> RandomPassword(size_t chars = 20);

}  // namespace citadel::security

#include "security/password_hasher.h"

#include <argon2.h>
#include <openssl/rand.h>

#include <array>
#include <vector>

namespace citadel::security {
namespace {

constexpr size_t kSaltBytes = 16;
constexpr size_t kHashBytes = 32;

}  // namespace

Result<std::string> HashPassword(std::string_view password, const Argon2Params& params) {
  if (password.size() < kMinPasswordChars) {
    return InvalidArgumentError("a password needs at least " + std::to_string(kMinPasswordChars) +
                                " characters");
  }
  if (password.size() > kMaxPasswordBytes) {
    return InvalidArgumentError("a password may have at most " + std::to_string(kMaxPasswordBytes) +
                                " bytes");
  }
  std::array<std::uint8_t, kSaltBytes> salt{};
  if (RAND_bytes(salt.data(), static_cast<int>(salt.size())) != 1) {
    return InternalError("the OS random number generator failed (RAND_bytes)");
  }
  std::vector<char> encoded(argon2_encodedlen(
      params.time_cost, params.memory_kib, params.parallelism, kSaltBytes, kHashBytes, Argon2_id));
  const int rc = argon2id_hash_encoded(params.time_cost, params.memory_kib, params.parallelism,
                                       password.data(), password.size(), salt.data(), salt.size(),
                                       kHashBytes, encoded.data(), encoded.size());
  if (rc != ARGON2_OK) {
    return InternalError(std::string("argon2id hashing failed: ") + argon2_error_message(rc));
  }
  return std::string(encoded.data());
}

Result<bool> VerifyPassword(std::string_view password, const std::string& encoded) {
  if (!encoded.starts_with("$argon2id$")) {
    return InvalidArgumentError("the stored password hash is not an argon2id hash");
  }
  if (password.size() > kMaxPasswordBytes) return false;
  const int rc = argon2id_verify(encoded.c_str(), password.data(), password.size());
  if (rc == ARGON2_OK) return true;
  if (rc == ARGON2_VERIFY_MISMATCH) return false;
  return InvalidArgumentError(std::string("the stored password hash cannot be checked: ") +
                              argon2_error_message(rc));
}

Result<std::string> RandomPassword(size_t chars) {
  static constexpr std::string_view kAlphabet =
      "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  std::string password;
  while (password.size() < chars) {
    std::array<std::uint8_t, 64> random{};
    if (RAND_bytes(random.data(), static_cast<int>(random.size())) != 1) {
      return InternalError("the OS random number generator failed (RAND_bytes)");
    }
    // Rejection sampling: 248 = 4 * 62 keeps every character equally likely.
    for (std::uint8_t byte : random) {
      if (byte < 248 && password.size() < chars) password += kAlphabet[byte % 62];
    }
  }
  return password;
}

}  // namespace citadel::security

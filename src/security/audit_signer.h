// AuditSigner: signs and checks the audit chain's checkpoints, with an HMAC
// key (HMAC-SHA256) or an Ed25519 key pair (OpenSSL 3).
//
// A signature is written "<algorithm>:<key id>:<hex>", e.g.
// "hmac-sha256:1f2e3d4c5b6a7988:...". The key id is the first 16 hex digits
// of SHA-256 over the HMAC key or the raw Ed25519 public key, so `verify`
// can say that a checkpoint was signed with another key rather than forged;
// it reveals nothing usable about an HMAC key of 32 random bytes or more.
//
// Keys: HMAC from `hmac_key` (env CITADEL_AUDIT_HMAC_KEY) or the file
// `hmac_key_file` (trailing whitespace ignored), at least 32 bytes. Ed25519
// from a PEM file: a private key signs and verifies; a public key only
// verifies (what an auditor holds).
//
// Immutable after loading; thread-safe.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "util/status.h"

namespace citadel::security {

class AuditSigner {
 public:
  virtual ~AuditSigner() = default;
  // "hmac-sha256" or "ed25519".
  virtual std::string_view algorithm() const = 0;
  virtual const std::string& key_id() const = 0;
  // FailedPrecondition for a verify-only key.
  virtual Result<std::string> Sign(std::string_view message) const = 0;
  // OK when `signature` is this key's over `message`. DataLoss when it is
  // not (constant-time comparison); FailedPrecondition when it names another
  // algorithm or key id (the message names both).
  virtual Status Verify(std::string_view message, std::string_view signature) const = 0;
};

struct AuditSignerConfig {
  std::string algorithm = "hmac-sha256";  // or "ed25519"
  std::string hmac_key;                   // the key itself
  std::string hmac_key_file;
  std::string ed25519_key_file;
};

// InvalidArgument for an unknown algorithm, a short key or an unreadable
// PEM; NotFound for a missing file; FailedPrecondition when no key is given.
Result<std::unique_ptr<AuditSigner>> LoadAuditSigner(const AuditSignerConfig& config);

// A fresh 32-byte HMAC key as 64 hex digits (OS CSPRNG), for a deployment
// that has none yet. Internal when the CSPRNG fails.
Result<std::string> GenerateAuditHmacKey();

}  // namespace citadel::security

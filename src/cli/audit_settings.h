// The audit.* settings as typed values, and the checkpoint key they name;
// shared by `citadel serve` and `citadel audit`.
//
// The HMAC key comes from audit.hmac_key (env CITADEL_AUDIT_HMAC_KEY), else
// audit.hmac_key_file, else DATA_DIR/audit-hmac.key, which is made (32
// random bytes, mode 0600) the first time it is needed to sign. Replicas on
// one PostgreSQL database must share one key (set audit.hmac_key_file).
//
// Used on the main thread only.
#pragma once

#include <memory>
#include <string>

#include "security/audit_chain.h"
#include "security/audit_retention.h"
#include "security/audit_signer.h"
#include "security/audit_writer.h"
#include "server/config.h"
#include "util/status.h"

namespace citadel::cli {

struct AuditConfig {
  bool enabled = true;
  std::string capture = "none";  // none, redacted, full
  security::AuditChainOptions chain;
  security::AuditSignerConfig signer;
  std::string default_key_file;  // DATA_DIR/audit-hmac.key
  security::AuditSync sync = security::AuditSync::kBatch;
  security::AuditOnFailure on_failure = security::AuditOnFailure::kBlock;
  security::AuditRetentionOptions retention;
};

// InvalidArgument naming the setting for a bad value; short retention
// without consent is refused here too.
Result<AuditConfig> AuditConfigFrom(const server::Settings& settings);

// The checkpoint key. `for_signing`: make the default key file when no key
// is configured. Otherwise (verifying) nullptr when there is no key at all.
Result<std::unique_ptr<security::AuditSigner>> LoadAuditKey(const AuditConfig& config,
                                                            bool for_signing);

}  // namespace citadel::cli

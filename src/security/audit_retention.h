// Audit retention: records older than `retention_days` are purged, first
// archived (audit.archive_dir) and sealed, so what remains still verifies.
//
// A purge, in this order:
//   1. appends its own record (kind admin, action "audit.purge", naming the
//      range and archive), so it is audited and the log never ends empty;
//   2. seals the last record to go with a signed "purge" checkpoint: the
//      first remaining record links to it;
//   3. writes the records (with the checkpoints that cover them) to a gzip
//      archive and its .sha256 file, synced;
//   4. deletes the records.
// A crash between steps leaves more records than needed, never fewer, and
// the next purge repeats the rest (its archive under a new name).
//
// 180 days is the floor compliance asks of access logs (and China's network
// log rules); fewer is refused unless allow_short_retention is set, and then
// the caller logs it.
//
// Thread-compatible: run one purge at a time per database (the server runs
// it daily from one thread; `citadel audit purge` by hand).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "security/audit_chain.h"
#include "store/store.h"
#include "util/status.h"

namespace citadel::security {

inline constexpr std::int64_t kMinAuditRetentionDays = 180;

struct AuditRetentionOptions {
  std::int64_t retention_days = kMinAuditRetentionDays;
  bool allow_short_retention = false;
  std::string archive_dir;  // empty: purged records are not archived
};

// InvalidArgument below 1 day, or below 180 without allow_short_retention.
Status CheckAuditRetention(const AuditRetentionOptions& options);

struct AuditPurgeResult {
  std::int64_t purged = 0;  // records deleted
  std::int64_t first_seq = 0;
  std::int64_t through_seq = 0;
  std::string archive_path;  // empty when not archived
};

// Purges records older than the retention at `chain`'s clock. `actor` is
// the user named in the purge's own record ("system" for the daily run).
Result<AuditPurgeResult> PurgeAudit(store::Store& store, AuditChain& chain,
                                    const AuditRetentionOptions& options, std::string_view actor);

}  // namespace citadel::security

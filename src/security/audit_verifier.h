// Audit verification: walks the stored chain in sequence order and names the
// first record that was edited, deleted, inserted or reordered, a tail cut
// off after a checkpoint, or a checkpoint whose signature fails.
//
// What is checked, for each record in the range:
//   - its text parses as a canonical record and the columns the store copied
//     out of it (time, kind, user, key) still agree with it;
//   - its seq follows the previous one (a gap: records deleted);
//   - its `prev` is the digest of the previous record (the first record of
//     the log: the genesis digest; the first after a purge: the digest the
//     purge checkpoint names);
//   - a checkpoint at its seq names its digest.
// A broken link is classified by looking one record either way: `prev`
// naming the record before the previous one means the previous one was
// inserted; a record whose own seq differs from its position, or a next
// record linking where this one should, means reordered; otherwise the
// previous record was edited. Then a checkpoint beyond the last record means
// the tail was truncated. The first defect by seq is reported.
//
// Thread-safe free function (reads the store only).
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "security/audit_signer.h"
#include "store/store.h"
#include "util/status.h"

namespace citadel::security {

enum class AuditDefect {
  kNone,
  kEdited,
  kDeleted,
  kInserted,
  kReordered,
  kTruncated,
  kBadCheckpoint
};
// "none", "edited", "deleted", "inserted", "reordered", "truncated", "bad_checkpoint".
std::string_view AuditDefectName(AuditDefect defect);

struct AuditVerdict {
  bool intact() const { return defect == AuditDefect::kNone; }
  AuditDefect defect = AuditDefect::kNone;
  std::int64_t seq = 0;          // the record named (for a truncated tail: the first one missing)
  std::string detail;            // one sentence
  std::int64_t records = 0;      // records checked
  std::int64_t checkpoints = 0;  // checkpoints checked
  std::int64_t first_seq = 0;
  std::int64_t last_seq = 0;
  bool signatures_checked = false;  // false when no key was given
};

struct AuditVerifyOptions {
  std::int64_t from_time_ms = std::numeric_limits<std::int64_t>::min();
  std::int64_t to_time_ms = std::numeric_limits<std::int64_t>::max();
  const AuditSigner* signer = nullptr;  // null: chain and digests only
  std::int64_t page_records = 4096;     // records read per query
};

// A verdict for any content; an error Status only when the store fails.
Result<AuditVerdict> VerifyAuditLog(store::Store& store, const AuditVerifyOptions& options);

// The same over rows held in memory (an archive's), each list in seq order.
Result<AuditVerdict> VerifyAuditRows(std::vector<store::AuditRow> rows,
                                     std::vector<store::AuditCheckpointRow> checkpoints,
                                     const AuditVerifyOptions& options);

}  // namespace citadel::security

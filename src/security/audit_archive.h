// Audit archives: the records a purge removes, written first to a gzip file
// with a SHA-256 checksum file beside it, in a form `citadel audit verify
// --archive` checks on its own (the chain inside it, its checkpoints'
// signatures, and the checksum).
//
// Uncompressed content (version 1):
//   citadel-audit-archive 1\n
//   record <seq> <bytes>\n<canonical record text>        (in seq order)
//   checkpoint <seq> <bytes> <signature>\n<checkpoint text>   (in seq order)
//   end <records> <checkpoints>\n
// The checkpoints are the one anchoring the first record (when an earlier
// purge removed its predecessor), those inside the range, and the purge
// checkpoint over the last record. The checksum file holds one line in
// sha256sum's format: "<hex>  <file name>".
//
// Free functions; thread-safe (each call its own files).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "security/audit_verifier.h"
#include "store/audit_records.h"
#include "util/status.h"

namespace citadel::security {

struct AuditArchiveContent {
  std::vector<store::AuditRow> records;
  std::vector<store::AuditCheckpointRow> checkpoints;
};

// The uncompressed text of `content`.
std::string ArchiveText(const AuditArchiveContent& content);
// InvalidArgument for anything ArchiveText does not produce. The rows'
// columns are filled in from each record's text (empty when unreadable).
Result<AuditArchiveContent> ParseArchiveText(std::string_view text);

// Writes `path` (gzip) and `path`.sha256, each synced to disk, and syncs the
// folder. Unavailable when the files cannot be written.
Status WriteAuditArchive(const std::string& path, const AuditArchiveContent& content);

// Checks the checksum, then verifies the records as VerifyAuditLog does.
// DataLoss for a checksum that does not match or a file that does not
// decompress; NotFound for a missing file.
Result<AuditVerdict> VerifyAuditArchive(const std::string& path, const AuditSigner* signer);

}  // namespace citadel::security

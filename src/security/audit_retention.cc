#include "security/audit_retention.h"

#include <ctime>
#include <filesystem>

#include "security/audit_archive.h"
#include "security/audit_hash.h"
#include "security/audit_record.h"

namespace citadel::security {
namespace {

constexpr std::int64_t kMillisPerDay = 86'400'000;

// The range to purge: from the oldest record up to (not including) the
// first record at or after the cutoff, and never the newest record.
Result<AuditPurgeResult> PurgeRange(store::Store& store, std::int64_t cutoff_ms) {
  AuditPurgeResult range;
  store::AuditQuery oldest;
  oldest.limit = 1;
  CITADEL_ASSIGN_OR_RETURN(auto first, store.ReadAudit(oldest));
  store::AuditQuery kept = oldest;
  kept.from_time_ms = cutoff_ms;
  CITADEL_ASSIGN_OR_RETURN(auto first_kept, store.ReadAudit(kept));
  store::AuditQuery newest = oldest;
  newest.newest_first = true;
  CITADEL_ASSIGN_OR_RETURN(auto last, store.ReadAudit(newest));
  if (first.empty()) return range;
  range.first_seq = first[0].seq;
  range.through_seq = first_kept.empty() ? last[0].seq : first_kept[0].seq - 1;
  return range;
}

std::string ArchiveName(const AuditPurgeResult& range, std::int64_t now_ms) {
  const std::time_t seconds = static_cast<std::time_t>(now_ms / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &utc);
  return "citadel-audit-" + std::to_string(range.first_seq) + "-" +
         std::to_string(range.through_seq) + "-" + stamp + ".gz";
}

// Everything a verifier of the archive needs: the records, the checkpoint
// anchoring the first one, the checkpoints inside, and the purge's seal.
Result<AuditArchiveContent> ArchiveContent(store::Store& store, const AuditPurgeResult& range) {
  AuditArchiveContent content;
  store::AuditQuery query;
  query.from_seq = range.first_seq;
  query.to_seq = range.through_seq;
  CITADEL_ASSIGN_OR_RETURN(content.records, store.ReadAudit(query));
  CITADEL_ASSIGN_OR_RETURN(content.checkpoints,
                           store.ReadAuditCheckpoints(range.first_seq - 1, range.through_seq));
  return content;
}

AuditRecord PurgeRecord(const AuditPurgeResult& range, const AuditRetentionOptions& options,
                        std::string_view actor, std::int64_t now_ms) {
  AuditRecord record;
  record.time_ms = now_ms;
  record.kind = AuditKind::kAdmin;
  record.user = std::string(actor);
  record.action = "audit.purge";
  record.target = "records " + std::to_string(range.first_seq) + ".." +
                  std::to_string(range.through_seq) + " older than " +
                  std::to_string(options.retention_days) + " days" +
                  (range.archive_path.empty() ? "" : "; archive " + range.archive_path);
  record.status = 200;
  return record;
}

}  // namespace

Status CheckAuditRetention(const AuditRetentionOptions& options) {
  if (options.retention_days < 1) {
    return InvalidArgumentError("audit.retention_days must be at least 1, got " +
                                std::to_string(options.retention_days));
  }
  if (options.retention_days < kMinAuditRetentionDays && !options.allow_short_retention) {
    return InvalidArgumentError(
        "audit.retention_days = " + std::to_string(options.retention_days) +
        " is below the 180 days access logs must be kept; pass --allow-short-retention "
        "(or audit.allow_short_retention = true) to accept that");
  }
  return OkStatus();
}

Result<AuditPurgeResult> PurgeAudit(store::Store& store, AuditChain& chain,
                                    const AuditRetentionOptions& options, std::string_view actor) {
  CITADEL_TRY(CheckAuditRetention(options));
  const std::int64_t now_ms = chain.clock().UnixMillis();
  CITADEL_ASSIGN_OR_RETURN(AuditPurgeResult range,
                           PurgeRange(store, now_ms - options.retention_days * kMillisPerDay));
  if (range.first_seq == 0 || range.through_seq < range.first_seq) return AuditPurgeResult{};
  if (!options.archive_dir.empty()) {
    range.archive_path =
        (std::filesystem::path(options.archive_dir) / ArchiveName(range, now_ms)).string();
  }
  const AuditRecord own = PurgeRecord(range, options, actor, now_ms);
  CITADEL_TRY(chain.Append({&own, 1}).status());
  // The seal uses the algorithm the next record links with, so the anchor
  // compares equal to that record's `prev`.
  store::AuditQuery around;
  around.from_seq = range.through_seq;
  around.to_seq = range.through_seq + 1;
  CITADEL_ASSIGN_OR_RETURN(auto rows, store.ReadAudit(around));
  if (rows.size() != 2) return InternalError("audit purge: the records to seal moved");
  CITADEL_ASSIGN_OR_RETURN(const AuditRecord next, ParseAuditRecord(rows[1].body));
  CITADEL_ASSIGN_OR_RETURN(const AuditHash hash, DigestAlgorithm(next.prev));
  CITADEL_TRY(chain.Seal(rows[0], hash, "purge").status());
  if (!range.archive_path.empty()) {
    std::error_code ignored;
    std::filesystem::create_directories(options.archive_dir, ignored);
    CITADEL_ASSIGN_OR_RETURN(const AuditArchiveContent content, ArchiveContent(store, range));
    CITADEL_TRY(WriteAuditArchive(range.archive_path, content));
  }
  CITADEL_ASSIGN_OR_RETURN(range.purged, store.DeleteAudit(range.through_seq));
  return range;
}

}  // namespace citadel::security

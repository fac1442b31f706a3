#include "security/audit_verifier.h"

#include <algorithm>
#include <map>
#include <optional>
#include <vector>

#include "security/audit_chain.h"
#include "security/audit_hash.h"
#include "security/audit_record.h"

namespace citadel::security {
namespace {

using store::AuditCheckpointRow;
using store::AuditQuery;
using store::AuditRow;

// What the walk reads: the store, or rows held in memory.
class AuditSource {
 public:
  virtual ~AuditSource() = default;
  virtual Result<std::vector<AuditRow>> ReadAudit(const AuditQuery& query) = 0;
  virtual Result<std::vector<AuditCheckpointRow>> ReadAuditCheckpoints(std::int64_t from_seq,
                                                                       std::int64_t to_seq) = 0;
};

class StoreSource final : public AuditSource {
 public:
  explicit StoreSource(store::Store& store) : store_(store) {}
  Result<std::vector<AuditRow>> ReadAudit(const AuditQuery& query) override {
    return store_.ReadAudit(query);
  }
  Result<std::vector<AuditCheckpointRow>> ReadAuditCheckpoints(std::int64_t from_seq,
                                                               std::int64_t to_seq) override {
    return store_.ReadAuditCheckpoints(from_seq, to_seq);
  }

 private:
  store::Store& store_;
};

// The store's query semantics over vectors sorted by seq.
class MemorySource final : public AuditSource {
 public:
  MemorySource(std::vector<AuditRow> rows, std::vector<AuditCheckpointRow> checkpoints)
      : rows_(std::move(rows)), checkpoints_(std::move(checkpoints)) {}
  Result<std::vector<AuditRow>> ReadAudit(const AuditQuery& q) override {
    std::vector<AuditRow> out;
    const auto take = [&](const AuditRow& row) {
      if (row.seq < q.from_seq || row.seq > q.to_seq || row.time_ms < q.from_time_ms ||
          row.time_ms > q.to_time_ms || (q.user_name && row.user_name != *q.user_name) ||
          (q.key_id && row.key_id != q.key_id)) {
        return true;
      }
      out.push_back(row);
      return q.limit <= 0 || static_cast<std::int64_t>(out.size()) < q.limit;
    };
    if (q.newest_first) {
      for (auto it = rows_.rbegin(); it != rows_.rend() && take(*it); ++it) {
      }
    } else {
      for (auto it = rows_.begin(); it != rows_.end() && take(*it); ++it) {
      }
    }
    return out;
  }
  Result<std::vector<AuditCheckpointRow>> ReadAuditCheckpoints(std::int64_t from_seq,
                                                               std::int64_t to_seq) override {
    std::vector<AuditCheckpointRow> out;
    for (const AuditCheckpointRow& row : checkpoints_) {
      if (row.seq >= from_seq && row.seq <= to_seq) out.push_back(row);
    }
    return out;
  }

 private:
  std::vector<AuditRow> rows_;
  std::vector<AuditCheckpointRow> checkpoints_;
};

// One stored record and what the walk learns of it.
struct Entry {
  AuditRow row;
  std::optional<AuditRecord> record;  // nullopt: unreadable
  std::string error;
};

Entry MakeEntry(AuditRow row) {
  Entry entry{std::move(row), std::nullopt, ""};
  auto parsed = ParseAuditRecord(entry.row.body);
  if (parsed.ok()) {
    entry.record = std::move(parsed).value();
  } else {
    entry.error = parsed.status().message();
  }
  return entry;
}

// True when `digest` is the digest of `entry`'s bytes under the algorithm it names.
bool Matches(const Entry& entry, std::string_view digest) {
  auto hash = DigestAlgorithm(digest);
  if (!hash.ok()) return false;
  auto actual = AuditDigest(*hash, entry.row.body);
  return actual.ok() && *actual == digest;
}

bool IsGenesis(std::string_view digest) {
  auto hash = DigestAlgorithm(digest);
  return hash.ok() && digest == GenesisDigest(*hash);
}

std::string Seq(std::int64_t seq) {
  return "record " + std::to_string(seq);
}

struct Defect {
  AuditDefect kind = AuditDefect::kNone;
  std::int64_t seq = 0;
  std::string detail;
};

// The first column the store copied out of the record that disagrees with it.
std::string ColumnMismatch(const Entry& e) {
  const AuditRecord& r = *e.record;
  if (e.row.time_ms != r.time_ms) return "time_ms";
  if (e.row.kind != AuditKindName(r.kind)) return "kind";
  if (e.row.user_name != r.user) return "user_name";
  if (e.row.key_id != r.key_id) return "key_id";
  return "";
}

// Reads records [first, last] a page at a time, keeping two behind the cursor.
class Walker {
 public:
  Walker(AuditSource& store, std::int64_t first, std::int64_t last, std::int64_t page)
      : store_(store), next_seq_(first), last_seq_(last), page_(std::max<std::int64_t>(page, 8)) {}

  // Makes at least `ahead` entries from index `at` available (fewer at the end).
  Status Fill(size_t at, size_t ahead) {
    while (buffer_.size() < at + ahead && next_seq_ <= last_seq_) {
      AuditQuery query;
      query.from_seq = next_seq_;
      query.to_seq = last_seq_;
      query.limit = page_;
      CITADEL_ASSIGN_OR_RETURN(auto rows, store_.ReadAudit(query));
      if (rows.empty()) {
        next_seq_ = last_seq_ + 1;
        break;
      }
      next_seq_ = rows.back().seq + 1;
      for (AuditRow& row : rows) buffer_.push_back(MakeEntry(std::move(row)));
    }
    return OkStatus();
  }
  // Drops entries before `at - 2`; returns how many were dropped.
  size_t Trim(size_t at) {
    if (at < 2 + static_cast<size_t>(page_)) return 0;
    const size_t drop = at - 2;
    buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(drop));
    return drop;
  }
  std::vector<Entry>& buffer() { return buffer_; }

 private:
  AuditSource& store_;
  std::int64_t next_seq_;
  const std::int64_t last_seq_;
  const std::int64_t page_;
  std::vector<Entry> buffer_;
};

// How record `e` must link: to `p` when there is one, else to the anchor.
struct Anchor {
  std::optional<std::string> digest;  // a purge checkpoint's; nullopt: genesis
};

bool LinksTo(const Entry* p, const Anchor& anchor, std::string_view prev) {
  if (p != nullptr) return Matches(*p, prev);
  return anchor.digest ? prev == *anchor.digest : IsGenesis(prev);
}

Defect CheckEntry(const Entry& e, const Entry* p, const Entry* pp, const Entry* next,
                  const Anchor& anchor) {
  const std::int64_t seq = e.row.seq;
  if (!e.record) return {AuditDefect::kEdited, seq, Seq(seq) + " is unreadable: " + e.error};
  if (const std::string column = ColumnMismatch(e); !column.empty()) {
    return {AuditDefect::kEdited, seq,
            Seq(seq) + ": its stored " + column + " differs from its chained content"};
  }
  if (p != nullptr && seq != p->row.seq + 1) {
    return {AuditDefect::kDeleted, p->row.seq + 1,
            "records " + std::to_string(p->row.seq + 1) + ".." + std::to_string(seq - 1) +
                " are missing (deleted)"};
  }
  const bool linked = LinksTo(p, anchor, e.record->prev);
  if (linked && e.record->seq == seq) return {};
  if (!linked && p != nullptr && pp != nullptr && Matches(*pp, e.record->prev)) {
    return {AuditDefect::kInserted, p->row.seq,
            Seq(p->row.seq) + " was inserted: " + Seq(seq) + " links to " + Seq(pp->row.seq)};
  }
  if (e.record->seq != seq) {
    return {AuditDefect::kReordered, seq,
            "the record stored as seq " + std::to_string(seq) + " was written as " +
                Seq(e.record->seq) + " (reordered)"};
  }
  if (next != nullptr && next->record && LinksTo(p, anchor, next->record->prev)) {
    return {AuditDefect::kReordered, seq,
            Seq(seq) + " and " + Seq(next->row.seq) + " are out of order"};
  }
  if (p == nullptr) {
    return {AuditDefect::kEdited, seq,
            Seq(seq) + " does not link to the start of the log or the purge checkpoint"};
  }
  return {AuditDefect::kEdited, p->row.seq,
          Seq(p->row.seq) + " was changed after it was written (" + Seq(seq) +
              " carries another digest of it)"};
}

// Checkpoints by seq, each parsed and (with a signer) its signature checked.
struct Checkpoints {
  std::multimap<std::int64_t, AuditCheckpoint> by_seq;
  std::int64_t count = 0;
  std::int64_t max_seq = 0;
  Defect first_bad;
};

Result<Checkpoints> LoadCheckpoints(AuditSource& store, std::int64_t from_seq,
                                    const AuditSigner* signer) {
  Checkpoints out;
  CITADEL_ASSIGN_OR_RETURN(
      auto rows, store.ReadAuditCheckpoints(from_seq, std::numeric_limits<std::int64_t>::max()));
  for (const store::AuditCheckpointRow& row : rows) {
    ++out.count;
    auto parsed = ParseCheckpoint(row.body);
    Status signature = signer != nullptr ? signer->Verify(row.body, row.signature) : OkStatus();
    if (parsed.ok() && parsed->seq != row.seq) {
      signature = DataLossError("its stored seq differs from its signed content");
    }
    if (!parsed.ok() || !signature.ok()) {
      if (out.first_bad.kind == AuditDefect::kNone) {
        out.first_bad = {AuditDefect::kBadCheckpoint, row.seq,
                         "checkpoint " + std::to_string(row.id) + " at seq " +
                             std::to_string(row.seq) + ": " +
                             (parsed.ok() ? signature.message() : parsed.status().message())};
      }
      continue;
    }
    out.max_seq = std::max(out.max_seq, parsed->seq);
    out.by_seq.emplace(parsed->seq, std::move(parsed).value());
  }
  return out;
}

// The seq range of records whose time lies in the options' range; nullopt
// when there are none.
Result<std::optional<std::pair<std::int64_t, std::int64_t>>> SeqRange(
    AuditSource& store, const AuditVerifyOptions& options) {
  AuditQuery query;
  query.from_time_ms = options.from_time_ms;
  query.to_time_ms = options.to_time_ms;
  query.limit = 1;
  CITADEL_ASSIGN_OR_RETURN(auto first, store.ReadAudit(query));
  query.newest_first = true;
  CITADEL_ASSIGN_OR_RETURN(auto last, store.ReadAudit(query));
  if (first.empty() || last.empty()) return std::optional<std::pair<std::int64_t, std::int64_t>>();
  return std::optional(std::pair(first[0].seq, last[0].seq));
}

class Verification {
 public:
  Verification(AuditSource& store, const AuditVerifyOptions& options)
      : store_(store), options_(options) {}

  Result<AuditVerdict> Run() {
    verdict_.signatures_checked = options_.signer != nullptr;
    CITADEL_ASSIGN_OR_RETURN(auto range, SeqRange(store_, options_));
    const std::int64_t first = range ? range->first : 1;
    CITADEL_ASSIGN_OR_RETURN(checkpoints_, LoadCheckpoints(store_, first - 1, options_.signer));
    verdict_.checkpoints = checkpoints_.count;
    Note(checkpoints_.first_bad);
    if (range) {
      verdict_.first_seq = range->first;
      CITADEL_TRY(Walk(range->first, range->second));
    }
    const bool open_end = options_.to_time_ms == std::numeric_limits<std::int64_t>::max();
    if (open_end && checkpoints_.max_seq > verdict_.last_seq) {
      const std::int64_t missing = verdict_.last_seq + 1;
      Note({AuditDefect::kTruncated, missing,
            "records " + std::to_string(missing) + ".." + std::to_string(checkpoints_.max_seq) +
                " are missing: a checkpoint covers seq " + std::to_string(checkpoints_.max_seq) +
                " (the tail was truncated)"});
    }
    return verdict_;
  }

 private:
  // Keeps the defect with the lowest seq.
  void Note(const Defect& defect) {
    if (defect.kind == AuditDefect::kNone) return;
    if (verdict_.intact() || defect.seq < verdict_.seq) {
      verdict_.defect = defect.kind;
      verdict_.seq = defect.seq;
      verdict_.detail = defect.detail;
    }
  }

  // Where the first record links: the record before it, a purge checkpoint
  // at first - 1, or the genesis digest. Returns whether the record before
  // was pushed into the walker (as context, not checked itself).
  Result<bool> Start(std::int64_t first, Walker& walker, Anchor& anchor) {
    if (first <= 1) return false;
    AuditQuery before;
    before.to_seq = first - 1;
    before.newest_first = true;
    before.limit = 1;
    CITADEL_ASSIGN_OR_RETURN(auto rows, store_.ReadAudit(before));
    if (!rows.empty()) {
      walker.buffer().push_back(MakeEntry(std::move(rows[0])));
      return true;
    }
    const auto anchor_at = checkpoints_.by_seq.find(first - 1);
    if (anchor_at == checkpoints_.by_seq.end()) {
      Note({AuditDefect::kDeleted, 1,
            "records 1.." + std::to_string(first - 1) + " are missing and no checkpoint anchors " +
                Seq(first) + " (deleted)"});
    }
    anchor.digest = anchor_at == checkpoints_.by_seq.end() ? "" : anchor_at->second.record;
    return false;
  }

  Status Walk(std::int64_t first, std::int64_t last) {
    Walker walker(store_, first, last, options_.page_records);
    Anchor anchor;
    CITADEL_ASSIGN_OR_RETURN(const bool has_context, Start(first, walker, anchor));
    size_t at = has_context ? 1 : 0;
    std::vector<Entry>& buffer = walker.buffer();
    for (;; ++at) {
      CITADEL_TRY(walker.Fill(at, 2));
      if (at >= buffer.size()) break;
      const Entry& e = buffer[at];
      const Entry* p = at >= 1 ? &buffer[at - 1] : nullptr;
      const Entry* pp = at >= 2 ? &buffer[at - 2] : nullptr;
      const Entry* next = at + 1 < buffer.size() ? &buffer[at + 1] : nullptr;
      ++verdict_.records;
      verdict_.last_seq = e.row.seq;
      Defect defect = CheckEntry(e, p, pp, next, anchor);
      if (defect.kind == AuditDefect::kNone) defect = CheckAgainstCheckpoints(e);
      if (defect.kind != AuditDefect::kNone) {
        Note(defect);
        return OkStatus();
      }
      at -= walker.Trim(at);
    }
    return OkStatus();
  }

  Defect CheckAgainstCheckpoints(const Entry& e) const {
    const auto [begin, end] = checkpoints_.by_seq.equal_range(e.row.seq);
    for (auto it = begin; it != end; ++it) {
      if (!Matches(e, it->second.record)) {
        return {AuditDefect::kEdited, e.row.seq,
                Seq(e.row.seq) + " was changed after the checkpoint that covers it"};
      }
    }
    return {};
  }

  AuditSource& store_;
  const AuditVerifyOptions& options_;
  Checkpoints checkpoints_;
  AuditVerdict verdict_;
};

}  // namespace

std::string_view AuditDefectName(AuditDefect defect) {
  switch (defect) {
    case AuditDefect::kNone:
      return "none";
    case AuditDefect::kEdited:
      return "edited";
    case AuditDefect::kDeleted:
      return "deleted";
    case AuditDefect::kInserted:
      return "inserted";
    case AuditDefect::kReordered:
      return "reordered";
    case AuditDefect::kTruncated:
      return "truncated";
    case AuditDefect::kBadCheckpoint:
      return "bad_checkpoint";
  }
  return "none";
}

Result<AuditVerdict> VerifyAuditLog(store::Store& store, const AuditVerifyOptions& options) {
  StoreSource source(store);
  return Verification(source, options).Run();
}

Result<AuditVerdict> VerifyAuditRows(std::vector<AuditRow> rows,
                                     std::vector<AuditCheckpointRow> checkpoints,
                                     const AuditVerifyOptions& options) {
  MemorySource source(std::move(rows), std::move(checkpoints));
  return Verification(source, options).Run();
}

}  // namespace citadel::security

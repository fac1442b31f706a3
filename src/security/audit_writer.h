// AuditWriter: the one thread that writes audit records, with group commit.
//
// Callers (request threads) hand records to Append(); the writer thread
// takes everything queued at once and appends it through the AuditChain in
// one transaction (one fsync for the whole group), then wakes the callers
// waiting on it. So the cost of durability is shared by every record that
// arrived while the previous group was being written.
//
//   sync = every: Append returns once the record is committed (durable).
//   sync = batch: Append returns once the record is queued; the writer
//                 commits whatever is queued as soon as the last group is
//                 done, so only the records of about one commit (well under
//                 10 ms on a healthy disk) are at risk in a crash.
//
// When a commit fails the group stays queued, in order, and is retried
// (100 ms, doubling to 2 s). Meanwhile, with on_failure = block, Append
// refuses new records with Unavailable (the server answers 503 rather than
// serving unaudited) and `every` callers still waiting get Unavailable after
// `wait_timeout_ms`; with on_failure = continue, Append accepts (queueing up
// to `max_queue`, dropping the oldest beyond it, counted) and every failure
// raises the alarm callback. healthy() is false from a failed commit to the
// next good one.
//
// Close() (and the destructor) drains the queue, writes a "shutdown"
// checkpoint and joins the thread.
//
// Thread-safe: Append, healthy and stats from any thread; Close from one.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "security/audit_chain.h"
#include "security/audit_record.h"
#include "util/status.h"

namespace citadel::security {

enum class AuditSync { kEvery, kBatch };
enum class AuditOnFailure { kBlock, kContinue };
// "every"/"batch", "block"/"continue"; InvalidArgument otherwise.
Result<AuditSync> ParseAuditSync(std::string_view text);
Result<AuditOnFailure> ParseAuditOnFailure(std::string_view text);

struct AuditWriterOptions {
  AuditSync sync = AuditSync::kBatch;
  AuditOnFailure on_failure = AuditOnFailure::kBlock;
  std::size_t max_group = 1024;         // records per commit at most
  std::size_t max_queue = 1 << 16;      // queued records at most
  std::int64_t wait_timeout_ms = 5000;  // sync = every: longest wait for a commit
  // Called on the writer thread for each failed commit and for dropped
  // records (continue); by default one line on stderr.
  std::function<void(const Status&)> alarm;
};

struct AuditWriterStats {
  std::int64_t committed = 0;  // records written
  std::int64_t commits = 0;    // groups written
  std::int64_t failed_commits = 0;
  std::int64_t dropped = 0;  // on_failure = continue, queue full
  std::int64_t queued = 0;   // now
  std::int64_t last_seq = 0;
  bool healthy = true;
};

class AuditWriter {
 public:
  // `chain` must outlive the writer. Starts the thread.
  AuditWriter(AuditChain& chain, AuditWriterOptions options);
  ~AuditWriter();
  AuditWriter(const AuditWriter&) = delete;
  AuditWriter& operator=(const AuditWriter&) = delete;

  // sync = every: the record's seq once committed; batch: 0 once queued.
  // Unavailable when refused (block, writes failing or queue full, or the
  // writer closed) or when an `every` commit did not happen in time.
  Result<std::int64_t> Append(AuditRecord record);

  bool healthy() const;
  AuditWriterStats stats() const;

  // Drains, checkpoints ("shutdown") and stops; the first error it met.
  // Later Appends are refused. Idempotent.
  Status Close();

 private:
  struct Pending {
    AuditRecord record;
    std::uint64_t ticket = 0;
    bool waiting = false;  // a sync = every caller waits for its result
  };
  void Run();
  // Commits the front of the queue; returns false after a failure.
  bool CommitGroup(std::unique_lock<std::mutex>& lock);
  void Fail(std::unique_lock<std::mutex>& lock, const Status& status);
  void Alarm(std::unique_lock<std::mutex>& lock, const Status& status);
  // Stops a caller that gave up from being told its result.
  void Abandon(std::uint64_t ticket);

  AuditChain& chain_;
  const AuditWriterOptions options_;

  mutable std::mutex mutex_;
  std::condition_variable work_;  // the writer waits for records or close
  std::condition_variable done_;  // `every` callers wait for their ticket
  std::deque<Pending> queue_;
  std::vector<Pending> inflight_;  // the group being committed
  // ticket -> seq (committed) or kFailed, for waiting callers only.
  std::unordered_map<std::uint64_t, std::int64_t> results_;
  std::uint64_t next_ticket_ = 1;
  std::string last_error_;
  bool closing_ = false;
  bool closed_ = false;
  Status close_status_;
  AuditWriterStats stats_;
  std::thread thread_;
};

}  // namespace citadel::security

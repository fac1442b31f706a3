#include "security/audit_writer.h"

#include <algorithm>
#include <chrono>
#include <cstdio>

namespace citadel::security {
namespace {

constexpr std::int64_t kFailed = -1;
constexpr auto kFirstRetry = std::chrono::milliseconds(100);
constexpr auto kLongestRetry = std::chrono::milliseconds(2000);
constexpr int kRetriesWhenClosing = 3;

void DefaultAlarm(const Status& status) {
  std::fprintf(stderr, "citadel: audit: ALARM: %s\n", status.ToString().c_str());
}

}  // namespace

Result<AuditSync> ParseAuditSync(std::string_view text) {
  if (text == "every") return AuditSync::kEvery;
  if (text == "batch") return AuditSync::kBatch;
  return InvalidArgumentError("audit.sync '" + std::string(text) + "' is not every or batch");
}

Result<AuditOnFailure> ParseAuditOnFailure(std::string_view text) {
  if (text == "block") return AuditOnFailure::kBlock;
  if (text == "continue") return AuditOnFailure::kContinue;
  return InvalidArgumentError("audit.on_failure '" + std::string(text) +
                              "' is not block or continue");
}

AuditWriter::AuditWriter(AuditChain& chain, AuditWriterOptions options)
    : chain_(chain), options_(std::move(options)) {
  thread_ = std::thread([this] { Run(); });
}

AuditWriter::~AuditWriter() {
  (void)Close();
}

Result<std::int64_t> AuditWriter::Append(AuditRecord record) {
  std::unique_lock lock(mutex_);
  if (closing_) return UnavailableError("the audit writer is closed");
  const bool block = options_.on_failure == AuditOnFailure::kBlock;
  if (block && !stats_.healthy) {
    return UnavailableError("audit records cannot be written: " + last_error_);
  }
  if (queue_.size() >= options_.max_queue) {
    if (block) return UnavailableError("the audit queue is full");
    Pending& oldest = queue_.front();
    if (oldest.waiting) results_[oldest.ticket] = kFailed;
    queue_.pop_front();
    ++stats_.dropped;
    done_.notify_all();
  }
  const bool wait = options_.sync == AuditSync::kEvery;
  const std::uint64_t ticket = next_ticket_++;
  queue_.push_back({std::move(record), ticket, wait});
  work_.notify_one();
  if (!wait) return std::int64_t{0};
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(options_.wait_timeout_ms);
  done_.wait_until(lock, deadline, [&] { return results_.contains(ticket); });
  const auto result = results_.find(ticket);
  if (result == results_.end()) {
    Abandon(ticket);
    return UnavailableError("the audit record was not written within " +
                            std::to_string(options_.wait_timeout_ms) + " ms: " + last_error_);
  }
  const std::int64_t seq = result->second;
  results_.erase(result);
  if (seq == kFailed) return UnavailableError("the audit record was not written: " + last_error_);
  return seq;
}

void AuditWriter::Abandon(std::uint64_t ticket) {
  for (Pending& pending : queue_) {
    if (pending.ticket == ticket) pending.waiting = false;
  }
  for (Pending& pending : inflight_) {
    if (pending.ticket == ticket) pending.waiting = false;
  }
}

bool AuditWriter::healthy() const {
  std::lock_guard lock(mutex_);
  return stats_.healthy;
}

AuditWriterStats AuditWriter::stats() const {
  std::lock_guard lock(mutex_);
  AuditWriterStats stats = stats_;
  stats.queued = static_cast<std::int64_t>(queue_.size() + inflight_.size());
  return stats;
}

void AuditWriter::Run() {
  std::unique_lock lock(mutex_);
  auto retry = kFirstRetry;
  int failures_while_closing = 0;
  for (;;) {
    work_.wait(lock, [&] { return closing_ || !queue_.empty(); });
    if (queue_.empty()) break;  // closing, and everything is written
    if (CommitGroup(lock)) {
      retry = kFirstRetry;
      continue;
    }
    if (closing_ && ++failures_while_closing >= kRetriesWhenClosing) {
      close_status_ = DataLossError(std::to_string(queue_.size()) +
                                    " audit records could not be written: " + last_error_);
      break;
    }
    // A failing disk or database: wait before trying the same group again.
    work_.wait_for(lock, retry);
    retry = std::min(retry * 2, kLongestRetry);
  }
  if (!close_status_.ok()) return;
  lock.unlock();
  auto checkpoint = chain_.Checkpoint("shutdown");
  lock.lock();
  if (!checkpoint.ok()) close_status_ = checkpoint.status().WithContext("shutdown checkpoint");
}

bool AuditWriter::CommitGroup(std::unique_lock<std::mutex>& lock) {
  const size_t count = std::min(queue_.size(), std::max<size_t>(options_.max_group, 1));
  std::vector<AuditRecord> records;
  records.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    records.push_back(std::move(queue_.front().record));
    inflight_.push_back({{}, queue_.front().ticket, queue_.front().waiting});
    queue_.pop_front();
  }
  lock.unlock();
  auto appended = chain_.Append(records);
  lock.lock();
  if (!appended.ok()) {
    // Back to the front, in order, for the retry.
    for (size_t i = count; i-- > 0;) {
      inflight_[i].record = std::move(records[i]);
      queue_.push_front(std::move(inflight_[i]));
    }
    inflight_.clear();
    Fail(lock, appended.status());
    return false;
  }
  const std::int64_t first_seq = *appended - static_cast<std::int64_t>(count) + 1;
  for (size_t i = 0; i < count; ++i) {
    if (inflight_[i].waiting)
      results_[inflight_[i].ticket] = first_seq + static_cast<std::int64_t>(i);
  }
  inflight_.clear();
  stats_.committed += static_cast<std::int64_t>(count);
  ++stats_.commits;
  stats_.last_seq = *appended;
  stats_.healthy = true;
  done_.notify_all();
  return true;
}

void AuditWriter::Fail(std::unique_lock<std::mutex>& lock, const Status& status) {
  ++stats_.failed_commits;
  stats_.healthy = false;
  last_error_ = status.ToString();
  if (options_.on_failure == AuditOnFailure::kContinue) {
    // Serving goes on: waiting callers hear now, the records stay queued.
    for (Pending& pending : queue_) {
      if (pending.waiting) results_[pending.ticket] = kFailed;
      pending.waiting = false;
    }
    done_.notify_all();
  }
  Alarm(lock, status);
}

void AuditWriter::Alarm(std::unique_lock<std::mutex>& lock, const Status& status) {
  lock.unlock();
  if (options_.alarm) {
    options_.alarm(status);
  } else {
    DefaultAlarm(status);
  }
  lock.lock();
}

Status AuditWriter::Close() {
  std::unique_lock lock(mutex_);
  if (closed_) return close_status_;
  closing_ = true;
  work_.notify_all();
  lock.unlock();
  if (thread_.joinable()) thread_.join();
  lock.lock();
  closed_ = true;
  // Callers still waiting (the records could not be written) hear now.
  for (Pending& pending : queue_) {
    if (pending.waiting) results_[pending.ticket] = kFailed;
  }
  done_.notify_all();
  return close_status_;
}

}  // namespace citadel::security

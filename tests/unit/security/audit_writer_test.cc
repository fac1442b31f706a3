// The audit writer over a real SQLite store: group commit from many threads,
// both sync modes, both failure policies (the failure is real: the table
// is renamed away under the writer by another connection, then back), and
// durability through SIGKILL of a process appending with sync = every.
#include "security/audit_writer.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <random>
#include <set>
#include <thread>

#include "security/audit_chain.h"
#include "security/audit_verifier.h"
#include "store/store_url.h"
#include "unit/store/test_databases.h"
#include "util/clock.h"

namespace citadel::security {
namespace {

using store::testing::ScratchDir;

AuditRecord Request(const std::string& id) {
  AuditRecord record;
  record.time_ms = 1'700'000'000'000;
  record.request_id = id;
  record.user = "ada";
  record.route = "/v1/chat/completions";
  record.status = 200;
  return record;
}

// Polls `condition` every 5 ms until it holds or `timeout_ms` passes.
bool WaitFor(const std::function<bool()>& condition, int timeout_ms = 10000) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

class AuditWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    url_ = "sqlite:" + (scratch_.path() / "audit.db").string();
    AuditSignerConfig config;
    config.hmac_key = std::string(32, 'w');
    signer_ = std::move(LoadAuditSigner(config)).value();
  }

  std::unique_ptr<store::Store> OpenStore() {
    auto opened = store::OpenStore(url_);
    EXPECT_TRUE(opened.ok()) << opened.status().ToString();
    return opened.ok() ? std::move(opened).value() : nullptr;
  }

  void Sql(const std::string& sql) {
    auto db = store::OpenSqlDatabase(url_);
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE(
        (*db)->Transact([&](store::SqlSession& s) { return s.Execute(sql).status(); }).ok());
  }

  std::set<std::string> StoredIds(store::Store& store) {
    std::set<std::string> ids;
    auto rows = store.ReadAudit({});
    EXPECT_TRUE(rows.ok());
    for (const auto& row : *rows) ids.insert(ParseAuditRecord(row.body)->request_id);
    return ids;
  }

  bool Intact(store::Store& store) {
    AuditVerifyOptions options;
    options.signer = signer_.get();
    auto verdict = VerifyAuditLog(store, options);
    EXPECT_TRUE(verdict.ok());
    EXPECT_TRUE(verdict->intact()) << verdict->detail;
    return verdict.ok() && verdict->intact();
  }

  ScratchDir scratch_;
  std::string url_;
  std::unique_ptr<AuditSigner> signer_;
  SystemClock clock_;
};

TEST_F(AuditWriterTest, EveryReturnsDistinctDurableSeqsFromManyThreads) {
  auto store = OpenStore();
  AuditChain chain(*store, *signer_, clock_, {AuditHash::kSha256, 100});
  std::vector<std::int64_t> seqs(8 * 40);
  {
    AuditWriter writer(chain, {AuditSync::kEvery});
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < 40; ++i) {
          auto seq = writer.Append(Request(std::to_string(t) + "-" + std::to_string(i)));
          seqs[t * 40 + i] = seq.ok() ? *seq : -1;
        }
      });
    }
    for (auto& thread : threads) thread.join();
    const AuditWriterStats stats = writer.stats();
    EXPECT_EQ(stats.committed, 320);
    EXPECT_LE(stats.commits, 320);
    ASSERT_TRUE(writer.Close().ok());
  }
  std::set<std::int64_t> distinct(seqs.begin(), seqs.end());
  EXPECT_EQ(distinct.size(), 320u);
  EXPECT_EQ(*distinct.begin(), 1);
  EXPECT_EQ(*distinct.rbegin(), 320);
  EXPECT_EQ(StoredIds(*store).size(), 320u);
  EXPECT_TRUE(Intact(*store));
  auto checkpoints = store->ReadAuditCheckpoints(320, 320);
  ASSERT_TRUE(checkpoints.ok());
  EXPECT_FALSE(checkpoints->empty()) << "no shutdown checkpoint";
}

TEST_F(AuditWriterTest, BatchQueuesAndCloseDrains) {
  auto store = OpenStore();
  AuditChain chain(*store, *signer_, clock_, {});
  AuditWriter writer(chain, {AuditSync::kBatch});
  for (int i = 0; i < 200; ++i) {
    auto queued = writer.Append(Request("b" + std::to_string(i)));
    ASSERT_TRUE(queued.ok());
    EXPECT_EQ(*queued, 0);
  }
  ASSERT_TRUE(writer.Close().ok());
  EXPECT_EQ(StoredIds(*store).size(), 200u);
  EXPECT_EQ(writer.Append(Request("late")).status().code(), StatusCode::kUnavailable);
  EXPECT_TRUE(Intact(*store));
}

TEST_F(AuditWriterTest, BlockRefusesWhileWritesFailAndRecovers) {
  auto store = OpenStore();
  AuditChain chain(*store, *signer_, clock_, {});
  std::atomic<int> alarms{0};
  AuditWriterOptions options{AuditSync::kBatch, AuditOnFailure::kBlock};
  options.alarm = [&](const Status&) { ++alarms; };
  AuditWriter writer(chain, options);
  ASSERT_TRUE(writer.Append(Request("before")).ok());
  ASSERT_TRUE(WaitFor([&] { return writer.stats().committed == 1; }));
  Sql("ALTER TABLE audit_records RENAME TO audit_records_away");
  ASSERT_TRUE(writer.Append(Request("during")).ok());  // accepted: no failure seen yet
  ASSERT_TRUE(WaitFor([&] { return !writer.healthy(); }));
  EXPECT_GE(alarms.load(), 1);
  EXPECT_EQ(writer.Append(Request("refused")).status().code(), StatusCode::kUnavailable);
  Sql("ALTER TABLE audit_records_away RENAME TO audit_records");
  ASSERT_TRUE(WaitFor([&] { return writer.healthy(); }));
  ASSERT_TRUE(writer.Append(Request("after")).ok());
  ASSERT_TRUE(writer.Close().ok());
  EXPECT_EQ(StoredIds(*store), (std::set<std::string>{"before", "during", "after"}));
  EXPECT_TRUE(Intact(*store));
}

TEST_F(AuditWriterTest, EveryTimesOutWhileWritesFail) {
  auto store = OpenStore();
  AuditChain chain(*store, *signer_, clock_, {});
  AuditWriterOptions options{AuditSync::kEvery, AuditOnFailure::kBlock};
  options.wait_timeout_ms = 300;
  options.alarm = [](const Status&) {};
  AuditWriter writer(chain, options);
  Sql("ALTER TABLE audit_records RENAME TO audit_records_away");
  EXPECT_EQ(writer.Append(Request("waits")).status().code(), StatusCode::kUnavailable);
  Sql("ALTER TABLE audit_records_away RENAME TO audit_records");
  ASSERT_TRUE(WaitFor([&] { return writer.healthy() && writer.stats().committed == 1; }));
  ASSERT_TRUE(writer.Close().ok());
  EXPECT_EQ(StoredIds(*store).count("waits"), 1u);  // written late, still in order
}

TEST_F(AuditWriterTest, ContinueServesAlarmsAndWritesLater) {
  auto store = OpenStore();
  AuditChain chain(*store, *signer_, clock_, {});
  std::atomic<int> alarms{0};
  AuditWriterOptions options{AuditSync::kEvery, AuditOnFailure::kContinue};
  options.alarm = [&](const Status&) { ++alarms; };
  AuditWriter writer(chain, options);
  Sql("ALTER TABLE audit_records RENAME TO audit_records_away");
  // Not durable, so Append says so at once rather than after a timeout, and
  // the next one is still accepted.
  EXPECT_EQ(writer.Append(Request("c1")).status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(writer.Append(Request("c2")).status().code(), StatusCode::kUnavailable);
  EXPECT_GE(alarms.load(), 1);
  Sql("ALTER TABLE audit_records_away RENAME TO audit_records");
  ASSERT_TRUE(WaitFor([&] { return writer.stats().committed == 2; }));
  ASSERT_TRUE(writer.Close().ok());
  EXPECT_EQ(StoredIds(*store), (std::set<std::string>{"c1", "c2"}));
}

// The child appends with sync = every and reports each durable record's id
// on `fd`, until killed.
[[noreturn]] void AppendUntilKilled(const std::string& url, const AuditSigner& signer, int run,
                                    int fd) {
  auto store = store::OpenStore(url);
  if (!store.ok()) _exit(2);
  SystemClock clock;
  AuditChain chain(**store, signer, clock, {AuditHash::kSha256, 16});
  AuditWriter writer(chain, {AuditSync::kEvery});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0;; ++i) {
        const std::string id =
            std::to_string(run) + "-" + std::to_string(t) + "-" + std::to_string(i);
        if (!writer.Append(Request(id)).ok()) _exit(3);
        const std::string line = id + "\n";
        if (write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) _exit(4);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  _exit(0);
}

TEST_F(AuditWriterTest, RecordsReportedDurableSurviveSigkill) {
  std::random_device device;
  const unsigned seed = device();
  std::mt19937 random(seed);
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::set<std::string> confirmed;
  for (int run = 0; run < 20; ++run) {
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      close(fds[0]);
      AppendUntilKilled(url_, *signer_, run, fds[1]);
    }
    close(fds[1]);
    const auto kill_at = std::chrono::steady_clock::now() +
                         std::chrono::milliseconds(std::uniform_int_distribution(20, 150)(random));
    std::string pending;
    char buffer[4096];
    bool killed = false;
    for (;;) {
      if (!killed && std::chrono::steady_clock::now() >= kill_at) {
        kill(child, SIGKILL);
        killed = true;
      }
      pollfd poll_fd{fds[0], POLLIN, 0};
      if (poll(&poll_fd, 1, 5) <= 0) continue;
      const ssize_t got = read(fds[0], buffer, sizeof buffer);
      if (got <= 0) break;  // the child is gone and the pipe drained
      pending.append(buffer, static_cast<size_t>(got));
      for (size_t newline; (newline = pending.find('\n')) != std::string::npos;) {
        confirmed.insert(pending.substr(0, newline));
        pending.erase(0, newline + 1);
      }
    }
    close(fds[0]);
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
        << "the child ended by itself with status " << status;
  }
  auto store = OpenStore();
  const std::set<std::string> stored = StoredIds(*store);
  EXPECT_GT(confirmed.size(), 0u);
  std::int64_t missing = 0;
  for (const std::string& id : confirmed) missing += stored.contains(id) ? 0 : 1;
  EXPECT_EQ(missing, 0) << "of " << confirmed.size() << " records reported durable";
  EXPECT_TRUE(Intact(*store));
}

}  // namespace
}  // namespace citadel::security

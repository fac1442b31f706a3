// The audit chain against a real SQLite store: an untouched log verifies,
// and each kind of tampering an attacker with database access can do (edit,
// delete, swap, insert, truncate, forge a checkpoint) is caught and the
// record named.
#include "security/audit_chain.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "security/audit_hash.h"
#include "security/audit_verifier.h"
#include "store/store_url.h"
#include "unit/store/test_databases.h"
#include "util/clock.h"

namespace citadel::security {
namespace {

using store::testing::ScratchDir;

constexpr std::string_view kKey = "0123456789abcdef0123456789abcdef-test-key";

AuditRecord Request(int n) {
  AuditRecord record;
  record.time_ms = 1'700'000'000'000 + n * 1000;
  record.request_id = "req-" + std::to_string(n);
  record.key_id = 7;
  record.key_prefix = "AbCdEfGh";
  record.user = n % 2 == 0 ? "ada" : "bob";
  record.client_ip = "127.0.0.1";
  record.method = "POST";
  record.route = "/v1/chat/completions";
  record.model = "stories";
  record.status = 200;
  record.finish_reason = "stop";
  record.prompt_tokens = 10 + n;
  record.completion_tokens = 20;
  record.latency_us = 1234;
  record.findings = {{"email", 1}};
  return record;
}

class AuditChainTest : public ::testing::Test {
 protected:
  void SetUp() override {
    url_ = "sqlite:" + (scratch_.path() / "audit.db").string();
    auto opened = store::OpenStore(url_);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    store_ = std::move(opened).value();
    AuditSignerConfig config;
    config.hmac_key = std::string(kKey);
    auto signer = LoadAuditSigner(config);
    ASSERT_TRUE(signer.ok()) << signer.status().ToString();
    signer_ = std::move(signer).value();
  }

  AuditChain Chain(AuditHash hash = AuditHash::kSha256) {
    return AuditChain(*store_, *signer_, clock_, {hash, 4});
  }

  // Appends records 1..count one at a time (checkpoints at 4, 8, ...).
  void AppendRequests(int count, AuditHash hash = AuditHash::kSha256) {
    AuditChain chain = Chain(hash);
    for (int n = 1; n <= count; ++n) {
      const AuditRecord record = Request(n);
      auto appended = chain.Append({&record, 1});
      ASSERT_TRUE(appended.ok()) << appended.status().ToString();
      ASSERT_EQ(*appended, n);
    }
  }

  AuditVerdict Verify(AuditVerifyOptions options = {}) {
    options.signer = signer_.get();
    options.page_records = 3;  // pages smaller than the log exercise the walker
    auto verdict = VerifyAuditLog(*store_, options);
    EXPECT_TRUE(verdict.ok()) << verdict.status().ToString();
    return verdict.ok() ? *verdict : AuditVerdict{};
  }

  void Sql(const std::string& sql, std::vector<store::SqlValue> params = {}) {
    auto db = store::OpenSqlDatabase(url_);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    Status status = (*db)->Transact(
        [&](store::SqlSession& session) { return session.Execute(sql, params).status(); });
    ASSERT_TRUE(status.ok()) << sql << ": " << status.ToString();
  }

  std::string Body(std::int64_t seq) {
    store::AuditQuery query;
    query.from_seq = query.to_seq = seq;
    auto rows = store_->ReadAudit(query);
    return rows.ok() && rows->size() == 1 ? (*rows)[0].body : "";
  }

  ScratchDir scratch_;
  std::string url_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<AuditSigner> signer_;
  ManualClock clock_{1'700'000'000};
};

TEST_F(AuditChainTest, UntouchedLogVerifies) {
  AppendRequests(10);
  ASSERT_TRUE(Chain().Checkpoint("shutdown").ok());
  const AuditVerdict verdict = Verify();
  EXPECT_TRUE(verdict.intact()) << verdict.detail;
  EXPECT_EQ(verdict.records, 10);
  EXPECT_EQ(verdict.checkpoints, 3);  // at 4, 8 and the shutdown one at 10
  EXPECT_TRUE(verdict.signatures_checked);
  auto record = ParseAuditRecord(Body(3));
  ASSERT_TRUE(record.ok());
  EXPECT_EQ(record->request_id, "req-3");
  EXPECT_EQ(record->prev, *AuditDigest(AuditHash::kSha256, Body(2)));
}

TEST_F(AuditChainTest, BatchAppendWritesOneCheckpointPerMultiple) {
  std::vector<AuditRecord> batch;
  for (int n = 1; n <= 9; ++n) batch.push_back(Request(n));
  auto appended = Chain().Append(batch);
  ASSERT_TRUE(appended.ok()) << appended.status().ToString();
  EXPECT_EQ(*appended, 9);
  auto checkpoints = store_->ReadAuditCheckpoints(0, 100);
  ASSERT_TRUE(checkpoints.ok());
  ASSERT_EQ(checkpoints->size(), 1u);
  EXPECT_EQ((*checkpoints)[0].seq, 9);
  EXPECT_TRUE(Verify().intact());
}

TEST_F(AuditChainTest, EditedFieldIsNamed) {
  AppendRequests(10);
  Sql("UPDATE audit_records SET body = replace(body, 'status=200', 'status=403') WHERE seq = 6");
  const AuditVerdict verdict = Verify();
  EXPECT_EQ(verdict.defect, AuditDefect::kEdited) << verdict.detail;
  EXPECT_EQ(verdict.seq, 6) << verdict.detail;
}

TEST_F(AuditChainTest, EditedColumnIsNamed) {
  AppendRequests(6);
  Sql("UPDATE audit_records SET user_name = 'eve' WHERE seq = 3");
  const AuditVerdict verdict = Verify();
  EXPECT_EQ(verdict.defect, AuditDefect::kEdited) << verdict.detail;
  EXPECT_EQ(verdict.seq, 3);
}

TEST_F(AuditChainTest, EditOfTheLastRecordShowsAgainstTheShutdownCheckpoint) {
  AppendRequests(6);
  ASSERT_TRUE(Chain().Checkpoint("shutdown").ok());
  Sql("UPDATE audit_records SET body = replace(body, 'model=stories', 'model=other') WHERE seq = "
      "6");
  const AuditVerdict verdict = Verify();
  EXPECT_EQ(verdict.defect, AuditDefect::kEdited) << verdict.detail;
  EXPECT_EQ(verdict.seq, 6);
}

TEST_F(AuditChainTest, DeletedRecordIsNamed) {
  AppendRequests(10);
  Sql("DELETE FROM audit_records WHERE seq = 5");
  const AuditVerdict verdict = Verify();
  EXPECT_EQ(verdict.defect, AuditDefect::kDeleted) << verdict.detail;
  EXPECT_EQ(verdict.seq, 5);
}

TEST_F(AuditChainTest, DeletedHeadWithoutCheckpointIsNamed) {
  AppendRequests(6);
  Sql("DELETE FROM audit_records WHERE seq <= 2");
  const AuditVerdict verdict = Verify();
  EXPECT_EQ(verdict.defect, AuditDefect::kDeleted) << verdict.detail;
  EXPECT_EQ(verdict.seq, 1);
}

TEST_F(AuditChainTest, SwappedRecordsAreNamed) {
  AppendRequests(10);
  Sql("UPDATE audit_records SET seq = -4 WHERE seq = 4");
  Sql("UPDATE audit_records SET seq = 4 WHERE seq = 5");
  Sql("UPDATE audit_records SET seq = 5 WHERE seq = -4");
  const AuditVerdict verdict = Verify();
  EXPECT_EQ(verdict.defect, AuditDefect::kReordered) << verdict.detail;
  EXPECT_EQ(verdict.seq, 4);
}

TEST_F(AuditChainTest, InsertedRecordIsNamed) {
  AppendRequests(8);
  // A forger who knows the format links a record of their own to record 4
  // and moves the rest up by one.
  AuditRecord forged = Request(99);
  forged.seq = 5;
  forged.prev = *AuditDigest(AuditHash::kSha256, Body(4));
  Sql("UPDATE audit_records SET seq = seq + 1000 WHERE seq >= 5");
  Sql("UPDATE audit_records SET seq = seq - 999 WHERE seq >= 1000");
  const store::AuditRow row = RowFor(forged);
  Sql("INSERT INTO audit_records (seq, time_ms, kind, user_name, key_id, body)"
      " VALUES (?, ?, ?, ?, ?, ?)",
      {row.seq, row.time_ms, row.kind, row.user_name, *row.key_id, row.body});
  const AuditVerdict verdict = Verify();
  EXPECT_EQ(verdict.defect, AuditDefect::kInserted) << verdict.detail;
  EXPECT_EQ(verdict.seq, 5);
}

TEST_F(AuditChainTest, TruncatedTailIsNamed) {
  AppendRequests(10);
  ASSERT_TRUE(Chain().Checkpoint("shutdown").ok());
  Sql("DELETE FROM audit_records WHERE seq > 6");
  const AuditVerdict verdict = Verify();
  EXPECT_EQ(verdict.defect, AuditDefect::kTruncated) << verdict.detail;
  EXPECT_EQ(verdict.seq, 7);
}

TEST_F(AuditChainTest, ForgedCheckpointIsNamed) {
  AppendRequests(8);
  Sql("UPDATE audit_checkpoints SET body = replace(body, 'reason=periodic', 'reason=shutdown')"
      " WHERE seq = 4");
  const AuditVerdict verdict = Verify();
  EXPECT_EQ(verdict.defect, AuditDefect::kBadCheckpoint) << verdict.detail;
  EXPECT_EQ(verdict.seq, 4);
}

TEST_F(AuditChainTest, ACheckpointAnchorsTheChainAfterRecordsAreDeleted) {
  AppendRequests(10);  // checkpoint at 8
  auto deleted = store_->DeleteAudit(8);
  ASSERT_TRUE(deleted.ok());
  EXPECT_EQ(*deleted, 8);
  const AuditVerdict verdict = Verify();
  EXPECT_TRUE(verdict.intact()) << verdict.detail;
  EXPECT_EQ(verdict.first_seq, 9);
  EXPECT_EQ(verdict.records, 2);
}

TEST_F(AuditChainTest, Sm3ChainVerifiesAndMayFollowSha256) {
  AppendRequests(5, AuditHash::kSm3);
  const AuditRecord more = Request(6);
  ASSERT_TRUE(Chain(AuditHash::kSha256).Append({&more, 1}).ok());
  EXPECT_EQ(ParseAuditRecord(Body(3))->prev.substr(0, 4), "sm3:");
  EXPECT_EQ(ParseAuditRecord(Body(6))->prev.substr(0, 7), "sha256:");
  EXPECT_TRUE(Verify().intact());
  Sql("UPDATE audit_records SET body = replace(body, 'user=bob', 'user=eve') WHERE seq = 3");
  Sql("UPDATE audit_records SET user_name = 'eve' WHERE seq = 3");
  const AuditVerdict verdict = Verify();
  EXPECT_EQ(verdict.defect, AuditDefect::kEdited) << verdict.detail;
  EXPECT_EQ(verdict.seq, 3);
}

TEST_F(AuditChainTest, TimeRangeVerifiesItsPartOnly) {
  AppendRequests(10);
  Sql("UPDATE audit_records SET body = replace(body, 'status=200', 'status=500') WHERE seq = 2");
  AuditVerifyOptions options;
  options.from_time_ms = Request(5).time_ms;
  options.to_time_ms = Request(8).time_ms;
  const AuditVerdict part = Verify(options);
  EXPECT_TRUE(part.intact()) << part.detail;
  EXPECT_EQ(part.first_seq, 5);
  EXPECT_EQ(part.last_seq, 8);
  EXPECT_EQ(Verify().seq, 2);
}

TEST_F(AuditChainTest, WithoutTheKeyChainIsStillChecked) {
  AppendRequests(5);
  Sql("DELETE FROM audit_records WHERE seq = 3");
  auto verdict = VerifyAuditLog(*store_, {});
  ASSERT_TRUE(verdict.ok());
  EXPECT_FALSE(verdict->signatures_checked);
  EXPECT_EQ(verdict->defect, AuditDefect::kDeleted);
  EXPECT_EQ(verdict->seq, 3);
}

}  // namespace
}  // namespace citadel::security

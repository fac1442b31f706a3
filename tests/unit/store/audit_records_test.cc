// Audit rows in the store, on every backend: appends continue the tail in
// one transaction (or not at all), reads filter by seq, time, user and key,
// and deletes keep the checkpoint that anchors what remains.
#include "store/audit_records.h"

#include <gtest/gtest.h>

#include "store_fixture.h"

namespace citadel::store::testing {
namespace {

using AuditRecordsTest = StoreTest;

AuditRow Row(std::int64_t seq, std::string user, std::optional<std::int64_t> key) {
  return {seq, 1000 * seq, "request", std::move(user), key, "body " + std::to_string(seq) + "\n"};
}

AuditBuilder Rows(std::vector<AuditRow> rows, std::vector<AuditCheckpointRow> checkpoints = {}) {
  return [rows, checkpoints](const AuditTail&) -> Result<AuditBatch> {
    return AuditBatch{rows, checkpoints};
  };
}

TEST_P(AuditRecordsTest, AppendContinuesTheTail) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  AuditTail seen;
  auto first = store->AppendAudit([&](const AuditTail& tail) -> Result<AuditBatch> {
    seen = tail;
    return AuditBatch{{Row(1, "ada", 1), Row(2, "bob", std::nullopt)}, {}};
  });
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(*first, 2);
  EXPECT_EQ(seen.seq, 0);
  auto second = store->AppendAudit([&](const AuditTail& tail) -> Result<AuditBatch> {
    seen = tail;
    return AuditBatch{{Row(3, "ada", 2)}, {{0, 3, 5000, "cp\n", "hmac-sha256:k:00"}}};
  });
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(seen.seq, 2);
  EXPECT_EQ(seen.body, "body 2\n");
  auto checkpoints = store->ReadAuditCheckpoints(0, 10);
  ASSERT_TRUE(checkpoints.ok());
  ASSERT_EQ(checkpoints->size(), 1u);
  EXPECT_EQ((*checkpoints)[0].seq, 3);
  EXPECT_EQ((*checkpoints)[0].signature, "hmac-sha256:k:00");
}

TEST_P(AuditRecordsTest, AGapOrABuilderErrorWritesNothing) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->AppendAudit(Rows({Row(1, "ada", 1)})).ok());
  auto gap = store->AppendAudit(Rows({Row(2, "ada", 1), Row(4, "ada", 1)}));
  EXPECT_EQ(gap.status().code(), StatusCode::kInvalidArgument);
  auto failed = store->AppendAudit(
      [](const AuditTail&) -> Result<AuditBatch> { return InternalError("signer broke"); });
  EXPECT_EQ(failed.status().code(), StatusCode::kInternal);
  auto rows = store->ReadAudit({});
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(rows->size(), 1u);
}

TEST_P(AuditRecordsTest, ReadsFilter) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store
                  ->AppendAudit(Rows({Row(1, "ada", 1), Row(2, "bob", 2), Row(3, "ada", 2),
                                      Row(4, "zoë", std::nullopt)}))
                  .ok());
  AuditQuery by_user;
  by_user.user_name = "ada";
  EXPECT_EQ(store->ReadAudit(by_user)->size(), 2u);
  AuditQuery by_key;
  by_key.key_id = 2;
  EXPECT_EQ(store->ReadAudit(by_key)->size(), 2u);
  AuditQuery by_time;
  by_time.from_time_ms = 2000;
  by_time.to_time_ms = 3000;
  auto timed = store->ReadAudit(by_time);
  ASSERT_EQ(timed->size(), 2u);
  EXPECT_EQ((*timed)[0].seq, 2);
  AuditQuery newest;
  newest.newest_first = true;
  newest.limit = 1;
  auto last = store->ReadAudit(newest);
  ASSERT_EQ(last->size(), 1u);
  EXPECT_EQ((*last)[0].user_name, "zoë");
  EXPECT_FALSE((*last)[0].key_id.has_value());
}

TEST_P(AuditRecordsTest, DeleteKeepsTheAnchoringCheckpoint) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store
                  ->AppendAudit(Rows({Row(1, "a", 1), Row(2, "a", 1), Row(3, "a", 1)},
                                     {{0, 1, 1, "c1\n", "s"}, {0, 2, 2, "c2\n", "s"}}))
                  .ok());
  auto deleted = store->DeleteAudit(2);
  ASSERT_TRUE(deleted.ok());
  EXPECT_EQ(*deleted, 2);
  auto rows = store->ReadAudit({});
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].seq, 3);
  auto checkpoints = store->ReadAuditCheckpoints(0, 10);
  ASSERT_EQ(checkpoints->size(), 1u);
  EXPECT_EQ((*checkpoints)[0].seq, 2);
}

INSTANTIATE_TEST_SUITE_P(Backends, AuditRecordsTest, ::testing::Values("sqlite", "postgres"),
                         BackendName);

}  // namespace
}  // namespace citadel::store::testing

// Retention with an injected clock over a real SQLite store: records older
// than the retention are gone from the store and present in a checksummed
// archive that verifies on its own; newer ones remain and the chain still
// verifies; the purge is itself audited; short retention needs consent.
#include "security/audit_retention.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "security/audit_archive.h"
#include "security/audit_chain.h"
#include "security/audit_verifier.h"
#include "store/store_url.h"
#include "unit/store/test_databases.h"
#include "util/clock.h"

namespace citadel::security {
namespace {

constexpr std::int64_t kDay = 86'400;

class AuditRetentionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = store::OpenStore("sqlite:" + (scratch_.path() / "audit.db").string());
    ASSERT_TRUE(opened.ok());
    store_ = std::move(opened).value();
    AuditSignerConfig config;
    config.hmac_key = std::string(32, 'r');
    signer_ = std::move(LoadAuditSigner(config)).value();
    chain_ = std::make_unique<AuditChain>(*store_, *signer_, clock_,
                                          AuditChainOptions{AuditHash::kSha256, 5});
  }

  // One record a day for `days` days, starting now.
  void AppendDaily(int days) {
    for (int day = 0; day < days; ++day) {
      AuditRecord record;
      record.time_ms = clock_.UnixMillis();
      record.request_id = "day-" + std::to_string(day);
      ASSERT_TRUE(chain_->Append({&record, 1}).ok());
      clock_.AdvanceSeconds(kDay);
    }
  }

  AuditVerdict Verify() {
    AuditVerifyOptions options;
    options.signer = signer_.get();
    auto verdict = VerifyAuditLog(*store_, options);
    EXPECT_TRUE(verdict.ok());
    return *verdict;
  }

  std::vector<AuditRecord> Stored() {
    std::vector<AuditRecord> records;
    auto rows = store_->ReadAudit({});
    EXPECT_TRUE(rows.ok());
    for (const auto& row : *rows) records.push_back(*ParseAuditRecord(row.body));
    return records;
  }

  store::testing::ScratchDir scratch_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<AuditSigner> signer_;
  ManualClock clock_{1'700'000'000};
  std::unique_ptr<AuditChain> chain_;
};

TEST_F(AuditRetentionTest, OldRecordsMoveToAVerifiableArchive) {
  AppendDaily(200);  // days 0..199; "now" is day 200
  AuditRetentionOptions options;
  options.archive_dir = (scratch_.path() / "archive").string();
  auto purged = PurgeAudit(*store_, *chain_, options, "system");
  ASSERT_TRUE(purged.ok()) << purged.status().ToString();
  // Older than 180 days at day 200: days 0..19.
  EXPECT_EQ(purged->purged, 20);
  EXPECT_EQ(purged->first_seq, 1);
  EXPECT_EQ(purged->through_seq, 20);

  const std::vector<AuditRecord> kept = Stored();
  ASSERT_EQ(kept.size(), 181u);  // days 20..199 and the purge's own record
  EXPECT_EQ(kept.front().request_id, "day-20");
  EXPECT_EQ(kept.back().action, "audit.purge");
  EXPECT_EQ(kept.back().user, "system");
  EXPECT_NE(kept.back().target.find("records 1..20"), std::string::npos) << kept.back().target;
  const AuditVerdict verdict = Verify();
  EXPECT_TRUE(verdict.intact()) << verdict.detail;
  EXPECT_EQ(verdict.first_seq, 21);

  auto archived = VerifyAuditArchive(purged->archive_path, signer_.get());
  ASSERT_TRUE(archived.ok()) << archived.status().ToString();
  EXPECT_TRUE(archived->intact()) << archived->detail;
  EXPECT_EQ(archived->records, 20);
  EXPECT_EQ(archived->first_seq, 1);
  EXPECT_EQ(archived->last_seq, 20);
}

TEST_F(AuditRetentionTest, ASecondPurgeArchivesFromTheFirstOnesAnchor) {
  AuditRetentionOptions options;
  options.archive_dir = (scratch_.path() / "archive").string();
  AppendDaily(190);
  auto first = PurgeAudit(*store_, *chain_, options, "system");
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->purged, 10);
  AppendDaily(7);
  auto second = PurgeAudit(*store_, *chain_, options, "system");
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(second->first_seq, 11);
  EXPECT_EQ(second->purged, 7);
  EXPECT_TRUE(Verify().intact()) << Verify().detail;
  auto archived = VerifyAuditArchive(second->archive_path, signer_.get());
  ASSERT_TRUE(archived.ok()) << archived.status().ToString();
  EXPECT_TRUE(archived->intact()) << archived->detail;
}

TEST_F(AuditRetentionTest, NothingOldEnoughPurgesNothing) {
  AppendDaily(30);
  auto purged = PurgeAudit(*store_, *chain_, {}, "system");
  ASSERT_TRUE(purged.ok());
  EXPECT_EQ(purged->purged, 0);
  EXPECT_EQ(Stored().size(), 30u);
}

TEST_F(AuditRetentionTest, ShortRetentionNeedsConsent) {
  AppendDaily(40);
  AuditRetentionOptions options;
  options.retention_days = 30;
  auto refused = PurgeAudit(*store_, *chain_, options, "system");
  EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(refused.status().message().find("--allow-short-retention"), std::string::npos);
  EXPECT_EQ(Stored().size(), 40u);
  options.allow_short_retention = true;
  auto purged = PurgeAudit(*store_, *chain_, options, "ada");
  ASSERT_TRUE(purged.ok()) << purged.status().ToString();
  EXPECT_EQ(purged->purged, 10);
  EXPECT_TRUE(purged->archive_path.empty());
  EXPECT_TRUE(Verify().intact());
  options.retention_days = 0;
  EXPECT_EQ(CheckAuditRetention(options).code(), StatusCode::kInvalidArgument);
}

TEST_F(AuditRetentionTest, AChangedArchiveIsCaught) {
  AppendDaily(185);
  AuditRetentionOptions options;
  options.archive_dir = (scratch_.path() / "archive").string();
  auto purged = PurgeAudit(*store_, *chain_, options, "system");
  ASSERT_TRUE(purged.ok());
  {
    std::fstream file(purged->archive_path, std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(30);
    file.put('\x5a');
  }
  auto archived = VerifyAuditArchive(purged->archive_path, signer_.get());
  EXPECT_EQ(archived.status().code(), StatusCode::kDataLoss);
  std::filesystem::remove(purged->archive_path + ".sha256");
  EXPECT_EQ(VerifyAuditArchive(purged->archive_path, signer_.get()).status().code(),
            StatusCode::kDataLoss);
}

TEST(AuditArchiveTextTest, RoundTripsAndRefusesOtherText) {
  AuditArchiveContent content;
  AuditRecord record;
  record.seq = 3;
  record.user = "ada";
  content.records.push_back(RowFor(record));
  content.checkpoints.push_back({0, 3, 0, "cp\n", "hmac-sha256:k:ab"});
  const std::string text = ArchiveText(content);
  auto parsed = ParseArchiveText(text);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->records[0].user_name, "ada");
  EXPECT_EQ(ArchiveText(*parsed), text);
  EXPECT_FALSE(ParseArchiveText(text.substr(0, text.size() - 2)).ok());
  EXPECT_FALSE(ParseArchiveText(text + "x").ok());
  EXPECT_FALSE(ParseArchiveText("citadel-audit-archive 1\nrecord 1 999999\nabc").ok());
}

}  // namespace
}  // namespace citadel::security

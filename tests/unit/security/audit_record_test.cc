// The canonical audit text: one text per record, exactly invertible, and the
// parser refuses every other text (so two different byte strings can never
// stand for one record in the chain).
#include "security/audit_record.h"

#include <gtest/gtest.h>

#include <string>

#include "security/audit_hash.h"

namespace citadel::security {
namespace {

AuditRecord Sample() {
  AuditRecord record;
  record.seq = 42;
  record.prev = GenesisDigest(AuditHash::kSha256);
  record.time_ms = 1'765'000'000'123;
  record.kind = AuditKind::kAdmin;
  record.request_id = "r-1";
  record.key_id = 12;
  record.user = "zoë";
  record.route = "/admin/v1/keys";
  record.status = 201;
  record.findings = {{"email", 2}, {"odd,type:x", 1}};
  record.action = "keys.create";
  record.target = "key 12";
  record.capture = "full";
  record.prompt = "line one\nline two\\ \x01 \x7f tab\t \xff\xfe 中文";
  return record;
}

TEST(AuditRecordTest, CanonicalTextRoundTrips) {
  const AuditRecord record = Sample();
  const std::string text = CanonicalBytes(record);
  auto parsed = ParseAuditRecord(text);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(*parsed, record);
  EXPECT_EQ(CanonicalBytes(*parsed), text);
}

TEST(AuditRecordTest, TextIsEscapedToOneLinePerField) {
  const std::string text = CanonicalBytes(Sample());
  EXPECT_NE(text.find("\nprompt=line one\\nline two\\\\ \\x01 \\x7f tab\\x09 \\xff\\xfe 中文\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("\nfindings=email:2,odd\\x2ctype\\x3ax:1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\nkey_id=12\n"), std::string::npos);
  EXPECT_EQ(text.rfind("citadel-audit 1\nseq=42\nprev=sha256:", 0), 0u);
}

TEST(AuditRecordTest, AbsentKeyIdIsEmpty) {
  AuditRecord record = Sample();
  record.key_id.reset();
  auto parsed = ParseAuditRecord(CanonicalBytes(record));
  ASSERT_TRUE(parsed.ok());
  EXPECT_FALSE(parsed->key_id.has_value());
}

std::string Replace(std::string text, const std::string& from, const std::string& to) {
  const size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return at == std::string::npos ? text : text.replace(at, from.size(), to);
}

TEST(AuditRecordTest, OtherTextsAreRefused) {
  const std::string text = CanonicalBytes(Sample());
  const std::vector<std::string> bad = {
      "",
      Replace(text, "citadel-audit 1", "citadel-audit 2"),
      Replace(text, "\nstatus=201", "\nstatus=0201"),  // leading zero
      Replace(text, "\nstatus=201", "\nstatus=+201"),
      Replace(text, "\nstatus=201", "\nstatus=2e2"),
      Replace(text, "\nkind=admin", "\nkind=root"),
      Replace(text, "\nuser=zoë", "\nuser=\\x7a"),  // an escape of a plain byte
      Replace(text, "\nuser=zoë", "\nuser=\\t"),    // unknown escape
      Replace(text, "\nuser=zoë", "\nuser=a\tb"),   // a raw control byte
      Replace(text, "\nuser=zoë", "\nuser=\xff"),   // raw invalid UTF-8
      Replace(text, "\nroute=", "\nrout="),
      Replace(text, "\nmodel=\n", "\n"),  // a missing field
      text + "extra=1\n",
      text.substr(0, text.size() - 1),  // no final newline
      Replace(text, "email:2,", "email:2,,"),
  };
  for (const std::string& candidate : bad) {
    auto parsed = ParseAuditRecord(candidate);
    EXPECT_FALSE(parsed.ok()) << candidate;
    if (!parsed.ok()) EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
  }
}

TEST(AuditHashTest, KnownVectors) {
  // FIPS 180-2 and GB/T 32905-2016 test vectors for "abc".
  EXPECT_EQ(*AuditDigest(AuditHash::kSha256, "abc"),
            "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  auto sm3 = AuditDigest(AuditHash::kSm3, "abc");
  ASSERT_TRUE(sm3.ok()) << sm3.status().ToString();
  EXPECT_EQ(*sm3, "sm3:66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0");
}

TEST(AuditHashTest, DigestsNameTheirAlgorithm) {
  EXPECT_EQ(*DigestAlgorithm(GenesisDigest(AuditHash::kSm3)), AuditHash::kSm3);
  EXPECT_FALSE(DigestAlgorithm("md5:" + std::string(64, '0')).ok());
  EXPECT_FALSE(DigestAlgorithm("sha256:" + std::string(63, '0')).ok());
  EXPECT_FALSE(DigestAlgorithm("sha256:" + std::string(64, 'A')).ok());
  EXPECT_FALSE(ParseAuditHash("SHA-1").ok());
}

}  // namespace
}  // namespace citadel::security

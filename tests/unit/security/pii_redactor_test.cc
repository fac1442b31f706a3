// Redaction of detected personal data: mask keeps the shape and the type
// visible, hash is keyed and matches equal values across written forms,
// drop removes; no detected value survives any mode.
#include "security/pii_redactor.h"

#include <gtest/gtest.h>

#include <string>

namespace citadel::security {
namespace {

const PiiScanner& Scanner() {
  static const PiiScanner scanner = [] {
    PiiScannerConfig config;
    config.custom.push_back({"employee_id", "EMP-\\d{6}"});
    return std::move(*PiiScanner::Create(config));
  }();
  return scanner;
}

PiiRedactor Redactor(RedactionMode mode, std::string key = "") {
  auto redactor = PiiRedactor::Create(Scanner(), mode, std::move(key));
  EXPECT_TRUE(redactor.ok());
  return std::move(*redactor);
}

TEST(PiiRedactorTest, MaskKeepsShapeAndAFewCharacters) {
  const PiiRedactor r = Redactor(RedactionMode::kMask);
  EXPECT_EQ(r.Redact("身份证11010519491231002X"), "身份证1101**********002X");
  EXPECT_EQ(r.Redact("call 138 1234 5678"), "call 138 **** 5678");
  EXPECT_EQ(r.Redact("+86 13812345678"), "+86 138****5678");
  EXPECT_EQ(r.Redact("010-12345678转8001"), "010-****5678转8001");
  EXPECT_EQ(r.Redact("card 4111 1111 1111 1111"), "card 4111 **** **** 1111");
  EXPECT_EQ(r.Redact("mail zhang.san@qq.com."), "mail z****.***@qq.com.");
  EXPECT_EQ(r.Redact("10.1.2.3:6379"), "10.1.*.*:6379");
  EXPECT_EQ(r.Redact("[2001:db8::1]"), "[2001:***::*]");
  EXPECT_EQ(r.Redact("E12345678"), "E******78");
  EXPECT_EQ(r.Redact("EMP-123456"), "***-******");
  EXPECT_EQ(r.Redact("no personal data"), "no personal data");
}

TEST(PiiRedactorTest, HashIsKeyedAndEqualValuesMatchAcrossForms) {
  const PiiRedactor a = Redactor(RedactionMode::kHash, "key-one");
  const PiiRedactor b = Redactor(RedactionMode::kHash, "key-two");
  const std::string plain = a.Redact("13812345678");
  EXPECT_EQ(plain.size(), std::string("[cn_mobile:0123456789abcdef]").size()) << plain;
  EXPECT_TRUE(plain.starts_with("[cn_mobile:")) << plain;
  EXPECT_EQ(a.Redact("+86 138 1234 5678"), plain);
  EXPECT_NE(a.Redact("13812345679"), plain);
  EXPECT_NE(b.Redact("13812345678"), plain);
  EXPECT_EQ(a.Redact("x ZHANG@QQ.COM y"), a.Redact("x zhang@qq.com y"));
  EXPECT_FALSE(PiiRedactor::Create(Scanner(), RedactionMode::kHash, "").ok());
}

TEST(PiiRedactorTest, DropRemovesAndNoModeLeavesAValue) {
  const std::string text =
      "身份证11010519491231002X，手机138-1234-5678，邮箱a.b@example.com，EMP-123456";
  EXPECT_EQ(Redactor(RedactionMode::kDrop).Redact(text), "身份证，手机，邮箱，");
  for (const RedactionMode mode :
       {RedactionMode::kMask, RedactionMode::kHash, RedactionMode::kDrop}) {
    const std::string out = Redactor(mode, "k").Redact(text);
    for (const char* value :
         {"11010519491231002X", "138-1234-5678", "a.b@example.com", "EMP-123456"}) {
      EXPECT_EQ(out.find(value), std::string::npos) << out;
    }
    EXPECT_TRUE(Scanner().Scan(out).empty()) << "a redacted text scans clean: " << out;
  }
}

TEST(PiiRedactorTest, ParsesModes) {
  EXPECT_EQ(*ParseRedactionMode("mask"), RedactionMode::kMask);
  EXPECT_EQ(*ParseRedactionMode("hash"), RedactionMode::kHash);
  EXPECT_EQ(*ParseRedactionMode("drop"), RedactionMode::kDrop);
  EXPECT_EQ(ParseRedactionMode("MASK").status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace citadel::security

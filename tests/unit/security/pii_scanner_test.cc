// The PII detectors one by one: the written forms users type, and the look-
// alikes (checksums, dates, order numbers, versions, times) they must skip.
#include "security/pii_scanner.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "security/pii_checksums.h"

namespace citadel::security {
namespace {

struct Found {
  std::size_t start;
  std::size_t end;
  std::string type;
  bool operator==(const Found&) const = default;
};
std::ostream& operator<<(std::ostream& os, const Found& f) {
  return os << "{" << f.start << "," << f.end << "," << f.type << "}";
}

// Spans in code points, with their type names.
std::vector<Found> ScanWith(const PiiScanner& scanner, std::string_view text) {
  std::vector<Found> found;
  for (const PiiSpan& s : ToCodePointSpans(text, scanner.Scan(text))) {
    found.push_back({s.start, s.end, std::string(scanner.TypeName(s))});
  }
  return found;
}
std::vector<Found> Scan(std::string_view text) {
  static const PiiScanner scanner = *PiiScanner::Create({});
  return ScanWith(scanner, text);
}
// The single value `text` holds, spanning all of it.
void ExpectWhole(std::string_view text, const std::string& type) {
  std::size_t code_points = 0;
  for (const char c : text) code_points += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  EXPECT_EQ(Scan(text), (std::vector<Found>{{0, code_points, type}})) << text;
}
void ExpectNone(std::string_view text) {
  EXPECT_EQ(Scan(text), std::vector<Found>{}) << text;
}

TEST(PiiChecksumsTest, ResidentIdCheckCharacterIsIso7064Mod11_2) {
  EXPECT_EQ(pii::CnIdCheckChar("11010519491231002"), 'X');
  EXPECT_EQ(pii::CnIdCheckChar("44030519900307123"), '6');
  EXPECT_TRUE(pii::ValidDate("20000229"));
  EXPECT_FALSE(pii::ValidDate("19000229"));
  EXPECT_FALSE(pii::ValidDate("19870431"));
  EXPECT_TRUE(pii::LuhnValid("4111111111111111"));
  EXPECT_FALSE(pii::LuhnValid("4111111111111112"));
}

TEST(PiiScannerTest, ResidentIdWithRegionDateAndCheckCharacter) {
  ExpectWhole("11010519491231002X", "cn_id");
  ExpectWhole("11010519491231002x", "cn_id");
  ExpectWhole("110105 19491231 002X", "cn_id");
  EXPECT_EQ(Scan("身份证号11010519491231002X。"), (std::vector<Found>{{4, 22, "cn_id"}}));
  ExpectNone("110105194912310021");  // wrong check character
  std::string bad_date = "11010519490231002";
  bad_date += pii::CnIdCheckChar(bad_date);
  ExpectNone(bad_date);
  std::string bad_region = "99010519491231002";
  bad_region += pii::CnIdCheckChar(bad_region);
  ExpectNone(bad_region);
  ExpectNone("211010519491231002X");  // inside a longer digit run
}

TEST(PiiScannerTest, MobileNumbersInEveryWrittenForm) {
  for (const char* text : {"13812345678", "+86 13812345678", "+86-13812345678", "+8613812345678",
                           "86-13812345678", "138 1234 5678", "138-1234-5678", "+86 138 1234 5678",
                           "+86-138-1234-5678", "19912345678"}) {
    ExpectWhole(text, "cn_mobile");
  }
  EXPECT_EQ(Scan("电话:13812345678,谢谢"), (std::vector<Found>{{3, 14, "cn_mobile"}}));
  ExpectNone("12812345678");      // no such prefix
  ExpectNone("15412345678");      // 154 is not allocated
  ExpectNone("138123456789");     // twelve digits
  ExpectNone("202413812345678");  // inside a longer run
  ExpectNone("abc13812345678");   // part of a word
  ExpectNone("138-1234-56789");
}

TEST(PiiScannerTest, LandlinesWithAreaCodesAndExtensionsLeftOut) {
  ExpectWhole("010-12345678", "landline");
  ExpectWhole("(0755)1234-5678", "landline");
  ExpectWhole("（021）62345678", "landline");
  ExpectWhole("0571 8888 6666", "landline");
  ExpectWhole("0512-6234567", "landline");
  EXPECT_EQ(Scan("请拨010-12345678转8001"), (std::vector<Found>{{2, 14, "landline"}}));
  EXPECT_EQ(Scan("010-12345678-8001"), (std::vector<Found>{{0, 12, "landline"}}));
  ExpectNone("010-1234567");   // a three-digit area code has eight-digit numbers
  ExpectNone("026-12345678");  // no such area code
  ExpectNone("2023-11-05");
  ExpectNone("0755-2023");
}

TEST(PiiScannerTest, BankCardsNeedLuhnAndAKnownIssuer) {
  ExpectWhole("6222021234567890128", "bank_card");  // UnionPay, 19 digits
  ExpectWhole("4111111111111111", "bank_card");
  ExpectWhole("4111 1111 1111 1111", "bank_card");
  ExpectWhole("5500-0000-0000-0004", "bank_card");
  ExpectWhole("3782 822463 10005", "bank_card");  // Amex 4-6-5
  ExpectNone("4111111111111112");                 // Luhn fails
  ExpectNone("9111111111111119");                 // no issuer starts with 9 (Luhn holds)
  ExpectNone("4111 1111 1111 111");
  ExpectNone("20231105123456789012");  // an order number
}

TEST(PiiScannerTest, EmailAddresses) {
  ExpectWhole("zhang.san@example.com", "email");
  ExpectWhole("liu+billing@mail.bank-xyz.com.cn", "email");
  EXPECT_EQ(Scan("Mail bob@corp.io."), (std::vector<Found>{{5, 16, "email"}}));
  EXPECT_EQ(Scan("13812345678@qq.com"), (std::vector<Found>{{0, 18, "email"}}));
  ExpectNone("admin@localhost");
  ExpectNone("@张三 你好");
  ExpectNone("a@b.c");
}

TEST(PiiScannerTest, Ipv4WithoutPortsOrVersions) {
  ExpectWhole("192.168.1.10", "ipv4");
  EXPECT_EQ(Scan("redis 10.0.0.1:6379"), (std::vector<Found>{{6, 14, "ipv4"}}));
  ExpectNone("v1.2.3.4");
  ExpectNone("10.0.19045.3693");
  ExpectNone("1.2.3.4.5");
  ExpectNone("256.1.1.1");
  ExpectNone("01.2.3.4");
  ExpectNone("3.11.4");
}

TEST(PiiScannerTest, Ipv6WithoutBracketsOrPorts) {
  ExpectWhole("2001:db8::1", "ipv6");
  ExpectWhole("2001:0db8:85a3:0000:0000:8a2e:0370:7334", "ipv6");
  ExpectWhole("::ffff:192.168.1.1", "ipv6");
  EXPECT_EQ(Scan("[2001:db8::8]:6379"), (std::vector<Found>{{1, 12, "ipv6"}}));
  ExpectNone("14:30:00");
  ExpectNone("00:1a:2b:3c:4d:5e");  // a MAC address
  ExpectNone("std::vector");
  ExpectNone("2001:db8::1::2");
  // A trailing colon is not part of the address (and once looped forever).
  EXPECT_EQ(Scan("[2001:db88::10:] x"), (std::vector<Found>{{1, 14, "ipv6"}}));
}

TEST(PiiScannerTest, Passports) {
  ExpectWhole("E12345678", "passport");
  ExpectWhole("G12345678", "passport");
  ExpectWhole("EA1234567", "passport");
  ExpectNone("G1234");
  ExpectNone("E1234567");
  ExpectNone("XE12345678");
  ExpectNone("E123456789");
}

TEST(PiiScannerTest, CustomPatternsFromConfig) {
  PiiScannerConfig config;
  config.custom.push_back({"employee_id", "EMP-\\d{6}"});
  auto scanner = PiiScanner::Create(config);
  ASSERT_TRUE(scanner.ok()) << scanner.status().ToString();
  EXPECT_EQ(ScanWith(*scanner, "工号EMP-123456，手机13812345678"),
            (std::vector<Found>{{2, 12, "employee_id"}, {15, 26, "cn_mobile"}}));
  EXPECT_EQ(scanner->TypeNames().back(), "employee_id");
}

TEST(PiiScannerTest, BadCustomPatternsAreRejectedWithReasons) {
  PiiScannerConfig config;
  config.custom.push_back({"bad", "("});
  auto bad = PiiScanner::Create(config);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("bad"), std::string::npos);
  config.custom = {{"email", "x"}};
  EXPECT_FALSE(PiiScanner::Create(config).ok());
  config.custom = {{"Has Space", "x"}};
  EXPECT_FALSE(PiiScanner::Create(config).ok());
  config.custom = {{"a", "x"}, {"a", "y"}};
  EXPECT_FALSE(PiiScanner::Create(config).ok());
}

TEST(PiiScannerTest, OverlapsKeepTheLongerSpanAndOffsetsAreCodePoints) {
  const std::string text = "联系：13812345678 或 zhang@qq.com，IP 10.1.2.3";
  EXPECT_EQ(Scan(text),
            (std::vector<Found>{{3, 14, "cn_mobile"}, {17, 29, "email"}, {33, 41, "ipv4"}}));
}

TEST(PiiScannerTest, HostileBytesNeverCrash) {
  std::string junk;
  for (int i = 0; i < 4096; ++i) junk.push_back(static_cast<char>((i * 131) & 0xFF));
  (void)Scan(junk);
  (void)Scan(std::string(5000, '1'));
  (void)Scan(std::string(5000, ':'));
  (void)Scan(std::string(5000, '@'));
  std::string groups;
  for (int i = 0; i < 1000; ++i) groups += "1234 ";
  EXPECT_EQ(Scan(groups), std::vector<Found>{});
  ExpectNone("");
}

// 1 MB of random and adversarial text (digit runs with every separator,
// colons, '@' runs, random bytes): scanned in linear time, spans valid.
TEST(PiiScannerTest, OneMegabyteOfAdversarialTextScansCleanly) {
  std::string text;
  std::uint32_t seed = 7;
  while (text.size() < (1u << 20)) {
    seed = seed * 1103515245u + 12345u;
    switch (seed >> 29) {
      case 0:
        text += "1-2 3-4 5-6 7-8 9-0 ";
        break;
      case 1:
        text += "::::1:2:3:4:5:6:7:8:9";
        break;
      case 2:
        text += "a.b.c.d@@e@f.g.h";
        break;
      case 3:
        text.push_back(static_cast<char>(seed >> 8));
        break;
      case 4:
        text += "+86+86 (010)(（0";
        break;
      case 5:
        text += std::string(64, '9');
        break;
      default:
        text += "中文，ＡＢＣ 1.2.3.4.5.6.7 ";
        break;
    }
  }
  static const PiiScanner scanner = *PiiScanner::Create({});
  const std::vector<PiiSpan> spans = scanner.Scan(text);
  std::size_t previous_end = 0;
  for (const PiiSpan& s : spans) {
    ASSERT_LT(s.start, s.end);
    ASSERT_GE(s.start, previous_end);
    previous_end = s.end;
  }
  ASSERT_LE(previous_end, text.size());
}

}  // namespace
}  // namespace citadel::security

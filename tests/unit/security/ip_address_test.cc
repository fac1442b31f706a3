// The strict address and CIDR parsers: what an operator may write in
// network.allow / network.deny, and the clear errors for what they may not.
#include "security/ip_address.h"

#include <gtest/gtest.h>

namespace citadel::security {
namespace {

IpAddress Ip(const char* text) {
  auto address = ParseIpAddress(text);
  EXPECT_TRUE(address.ok()) << text << ": " << address.status().message();
  return address.ok() ? *address : IpAddress{};
}

CidrBlock Block(const char* text) {
  auto block = ParseCidr(text);
  EXPECT_TRUE(block.ok()) << text << ": " << block.status().message();
  return block.ok() ? *block : CidrBlock{};
}

std::string ErrorOf(const char* text) {
  auto block = ParseCidr(text);
  EXPECT_FALSE(block.ok()) << text << " was accepted";
  if (block.ok()) return "";
  EXPECT_EQ(block.status().code(), StatusCode::kInvalidArgument);
  return block.status().message();
}

TEST(IpAddressTest, ParsesAndPrintsBothFamilies) {
  EXPECT_EQ(Ip("10.1.2.3").ToString(), "10.1.2.3");
  EXPECT_TRUE(Ip("10.1.2.3").is_v4());
  EXPECT_EQ(Ip("2001:0db8:0:0:0:0:0:1").ToString(), "2001:db8::1");
  EXPECT_EQ(Ip("::1").ToString(), "::1");
  EXPECT_EQ(Ip("::").ToString(), "::");
  EXPECT_EQ(Ip("fe80::1:0:0:0:2").ToString(), "fe80:0:0:1::2");  // the longer run
  EXPECT_EQ(Ip("1:0:0:2:0:0:0:3").ToString(), "1:0:0:2::3");  // longest zero run
  EXPECT_EQ(Ip("FC00::AB").ToString(), "fc00::ab");
  // IPv4-mapped IPv6 is the same address as the dotted quad.
  EXPECT_EQ(Ip("::ffff:10.1.2.3"), Ip("10.1.2.3"));
  EXPECT_EQ(Ip("::ffff:a01:203"), Ip("10.1.2.3"));
  EXPECT_FALSE(Ip("::1").is_v4());
}

TEST(IpAddressTest, RejectsWhatOtherToolsReadDifferently) {
  for (const char* bad : {"",
                          "1.2.3",
                          "1.2.3.4.5",
                          "01.2.3.4",
                          "1.2.3.256",
                          "1.2.3.-1",
                          "1..2.3",
                          "1.2.3.4 ",
                          " 1.2.3.4",
                          "0x1.2.3.4",
                          "1.2.3.4/",
                          "1:2:3:4:5:6:7",
                          "1:2:3:4:5:6:7:8:9",
                          "1::2::3",
                          ":::",
                          ":1::",
                          "1::2:",
                          "12345::",
                          "g::1",
                          "fe80::1%eth0",
                          "1.2.3.4::",
                          "::1.2.3.4:1",
                          "1:2:3:4:5:6:7:1.2.3.4",
                          "[::1]"}) {
    EXPECT_FALSE(ParseIpAddress(bad).ok()) << "'" << bad << "' was accepted";
  }
}

TEST(CidrTest, MatchesByPrefix) {
  const CidrBlock ten = Block("10.0.0.0/8");
  EXPECT_TRUE(ten.Contains(Ip("10.255.0.1")));
  EXPECT_FALSE(ten.Contains(Ip("11.0.0.1")));
  EXPECT_EQ(ten.ToString(), "10.0.0.0/8");
  const CidrBlock one = Block("127.0.0.1");  // a bare address is a /32
  EXPECT_EQ(one.ToString(), "127.0.0.1/32");
  EXPECT_TRUE(one.Contains(Ip("127.0.0.1")));
  EXPECT_FALSE(one.Contains(Ip("127.0.0.2")));
  const CidrBlock ula = Block("fc00::/7");
  EXPECT_TRUE(ula.Contains(Ip("fd12:3456::1")));
  EXPECT_FALSE(ula.Contains(Ip("fe80::1")));
  // IPv4 blocks never match IPv6 addresses outside the mapped range, and back.
  EXPECT_FALSE(Block("0.0.0.0/0").Contains(Ip("::1")));
  EXPECT_TRUE(Block("0.0.0.0/0").Contains(Ip("8.8.8.8")));
  EXPECT_TRUE(Block("::/0").Contains(Ip("8.8.8.8")));
  EXPECT_TRUE(Block("172.16.0.0/12").Contains(Ip("172.31.255.255")));
  EXPECT_FALSE(Block("172.16.0.0/12").Contains(Ip("172.32.0.0")));
  EXPECT_TRUE(Block("2001:db8::/33").Contains(Ip("2001:db8:7fff::1")));
  EXPECT_FALSE(Block("2001:db8::/33").Contains(Ip("2001:db8:8000::1")));
  EXPECT_TRUE(Block("2001:db8::1/128").Contains(Ip("2001:db8::1")));
  EXPECT_TRUE(Block("::/65").Contains(Ip("::7fff:ffff:ffff:ffff")));
  EXPECT_FALSE(Block("::/65").Contains(Ip("::8000:0:0:0")));
}

TEST(CidrTest, ErrorsSayWhatIsWrong) {
  EXPECT_NE(ErrorOf("10.0.0.1/8").find("host bits set; did you mean 10.0.0.0/8?"),
            std::string::npos);
  EXPECT_NE(ErrorOf("fc00::1/7").find("did you mean fc00::/7?"), std::string::npos);
  EXPECT_NE(ErrorOf("10.0.0.0/33").find("is over 32"), std::string::npos);
  EXPECT_NE(ErrorOf("::/129").find("is over 128"), std::string::npos);
  EXPECT_NE(ErrorOf("10.0.0.0/08").find("leading zero"), std::string::npos);
  EXPECT_NE(ErrorOf("10.0.0.0/").find("prefix ''"), std::string::npos);
  EXPECT_NE(ErrorOf("10.0.0.0/x").find("decimal digits"), std::string::npos);
  EXPECT_NE(ErrorOf("10.0.0.0/8/8").find("decimal digits"), std::string::npos);
  EXPECT_NE(ErrorOf("10.0.256.0/24").find("'256' is over 255"), std::string::npos);
  EXPECT_NE(ErrorOf("intranet").find("'intranet'"), std::string::npos);  // presets live above
}

TEST(CidrSetTest, AnyBlockMatches) {
  const CidrSet set({Block("10.0.0.0/8"), Block("::1")});
  EXPECT_TRUE(set.Contains(Ip("10.9.9.9")));
  EXPECT_TRUE(set.Contains(Ip("::1")));
  EXPECT_FALSE(set.Contains(Ip("127.0.0.1")));
  EXPECT_FALSE(CidrSet().Contains(Ip("10.9.9.9")));
}

}  // namespace
}  // namespace citadel::security

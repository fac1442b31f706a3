// Who the allowlist admits, and which client X-Forwarded-For is believed to name.
#include "security/network_policy.h"

#include <gtest/gtest.h>

namespace citadel::security {
namespace {

NetworkPolicyConfig Rules(std::vector<std::string> allow, std::vector<std::string> deny,
                          std::vector<std::string> trusted_proxies) {
  return {std::move(allow), std::move(deny), std::move(trusted_proxies)};
}

IpAddress Ip(const char* text) {
  return *ParseIpAddress(text);
}

NetworkPolicy Policy(NetworkPolicyConfig config) {
  auto policy = NetworkPolicy::Create(config);
  EXPECT_TRUE(policy.ok()) << policy.status().message();
  return policy.ok() ? *policy : NetworkPolicy();
}

TEST(NetworkPolicyTest, EmptyAdmitsEveryone) {
  const NetworkPolicy policy;
  EXPECT_TRUE(policy.Admits(Ip("8.8.8.8")));
  EXPECT_FALSE(policy.restricts());
}

TEST(NetworkPolicyTest, IntranetPresetAndDenyWins) {
  const NetworkPolicy policy = Policy(Rules({"intranet"}, {"10.9.0.0/16"}, {}));
  for (const char* inside : {"10.1.2.3", "172.16.0.1", "172.31.9.9", "192.168.1.1", "127.0.0.1",
                             "::1", "fd00::5", "fc00::1"}) {
    EXPECT_TRUE(policy.Admits(Ip(inside))) << inside;
  }
  for (const char* outside :
       {"8.8.8.8", "172.32.0.1", "192.169.0.1", "2001:db8::1", "::2", "10.9.1.1"}) {
    EXPECT_FALSE(policy.Admits(Ip(outside))) << outside;
  }
  EXPECT_EQ(policy.RefusalReason(Ip("10.9.1.1")), "in network.deny 10.9.0.0/16");
  EXPECT_EQ(policy.RefusalReason(Ip("8.8.8.8")), "not in network.allow");
}

TEST(NetworkPolicyTest, DenyOnlyAdmitsTheRest) {
  const NetworkPolicy policy = Policy(Rules({}, {"192.168.0.0/16"}, {}));
  EXPECT_TRUE(policy.Admits(Ip("8.8.8.8")));
  EXPECT_FALSE(policy.Admits(Ip("192.168.3.4")));
}

TEST(NetworkPolicyTest, BadEntryNamesTheSetting) {
  auto policy = NetworkPolicy::Create(Rules({}, {}, {"10.0.0.0/8", "10.0.0.1/8"}));
  ASSERT_FALSE(policy.ok());
  EXPECT_EQ(policy.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(policy.status().message().find("network.trusted_proxies: '10.0.0.1/8'"),
            std::string::npos)
      << policy.status().message();
}

TEST(ForwardedForTest, UntrustedPeerIsNeverBelieved) {
  const NetworkPolicy policy = Policy(Rules({}, {}, {"10.0.0.1"}));
  EXPECT_EQ(policy.ClientAddress(Ip("127.0.0.1"), "10.7.7.7"), Ip("127.0.0.1"));
}

TEST(ForwardedForTest, RightmostUntrustedHopIsTheClient) {
  const NetworkPolicy policy = Policy(Rules({}, {}, {"10.0.0.0/24"}));
  // The client forged "1.1.1.1"; the proxy 10.0.0.2 appended what it saw.
  EXPECT_EQ(policy.ClientAddress(Ip("10.0.0.1"), "1.1.1.1, 203.0.113.9, 10.0.0.2"),
            Ip("203.0.113.9"));
  EXPECT_EQ(policy.ClientAddress(Ip("10.0.0.1"), "203.0.113.9"), Ip("203.0.113.9"));
  // Every hop trusted: the leftmost one.
  EXPECT_EQ(policy.ClientAddress(Ip("10.0.0.1"), "10.0.0.3,10.0.0.2"), Ip("10.0.0.3"));
  // Junk stops the walk at the last hop understood.
  EXPECT_EQ(policy.ClientAddress(Ip("10.0.0.1"), "203.0.113.9, unknown"), Ip("10.0.0.1"));
  EXPECT_EQ(policy.ClientAddress(Ip("10.0.0.1"), "garbage, 10.0.0.7"), Ip("10.0.0.7"));
  EXPECT_EQ(policy.ClientAddress(Ip("10.0.0.1"), ""), Ip("10.0.0.1"));
}

TEST(ForwardedForTest, EntriesWithPortsAndBrackets) {
  EXPECT_EQ(*ParseForwardedEntry(" 10.1.2.3:5000 "), Ip("10.1.2.3"));
  EXPECT_EQ(*ParseForwardedEntry("[2001:db8::1]:443"), Ip("2001:db8::1"));
  EXPECT_EQ(*ParseForwardedEntry("[2001:db8::1]"), Ip("2001:db8::1"));
  EXPECT_EQ(*ParseForwardedEntry("2001:db8::1"), Ip("2001:db8::1"));
  for (const char* bad :
       {"unknown", "_hidden", "10.1.2.3:", "10.1.2.3:x", "[::1", "[::1]x", "[::1]:123456", ""}) {
    EXPECT_FALSE(ParseForwardedEntry(bad).ok()) << bad;
  }
  const auto entries = SplitForwardedFor(" a , b,,c ");
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[0], "a");
  EXPECT_EQ(entries[2], "c");
}

}  // namespace
}  // namespace citadel::security
